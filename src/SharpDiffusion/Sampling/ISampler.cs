using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// A sampler is a function of (denoiser, x_T, timesteps, schedule, noise source) with no state of its own:
/// calling it twice with equal inputs and equally seeded noise gives equal results.
/// </summary>
public interface ISampler
{
    /// <summary>The registry name (<see cref="Samplers.All"/>).</summary>
    string Name { get; }

    /// <summary>
    /// Integrates from x_T to an estimate of x_0. <paramref name="timesteps"/> are the steps the denoiser is evaluated
    /// at: strictly decreasing, within [0, T−1] (see <see cref="Timesteps"/>); after the last one the sampler steps to
    /// clean data (ᾱ = 1). <paramref name="xT"/> is neither modified nor disposed. Returns x̂_0 as float (clipped to
    /// [−1, 1] only where the sampler was created with clipping). <paramref name="progress"/> gets (steps done, total).
    /// </summary>
    Tensor Sample(Denoiser denoiser, Tensor xT, IReadOnlyList<int> timesteps, NoiseSchedule schedule, SampleNoise noise, Action<int, int>? progress = null);
}
