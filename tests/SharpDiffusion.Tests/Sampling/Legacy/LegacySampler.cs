// Copied from src/SharpDiffusion/Sampling/ISampler.cs and src/SharpDiffusion/Sampling/Denoiser.cs at 8b02e6c as the oracle
// for issue 22's contract refactor; do not edit. Renamed with a Legacy prefix (ISampler → ILegacySampler, Denoiser →
// LegacyDenoiser); NoiseSchedule is read through LegacySchedule, which keeps only its float64 ᾱ table.
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>The one model interface every sampler sees: returns ε̂(x_t, t), the noise prediction, for int64 timesteps t [B].</summary>
internal delegate Tensor LegacyDenoiser(Tensor xt, Tensor t);

/// <summary>
/// A sampler is a function of (denoiser, x_T, timesteps, schedule, noise source) with no state of its own:
/// calling it twice with equal inputs and equally seeded noise gives equal results.
/// </summary>
internal interface ILegacySampler
{
    /// <summary>The registry name.</summary>
    string Name { get; }

    /// <summary>
    /// Integrates from x_T to an estimate of x_0. <paramref name="timesteps"/> are the steps the denoiser is evaluated
    /// at: strictly decreasing, within [0, T−1]; after the last one the sampler steps to
    /// clean data (ᾱ = 1). <paramref name="xT"/> is neither modified nor disposed. Returns x̂_0 as float (clipped to
    /// [−1, 1] only where the sampler was created with clipping). <paramref name="progress"/> gets (steps done, total).
    /// </summary>
    Tensor Sample(LegacyDenoiser denoiser, Tensor xT, IReadOnlyList<int> timesteps, LegacySchedule schedule, SampleNoise noise, Action<int, int>? progress = null);
}
