using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// A sampler is a function of (denoiser, x at the first level, noise levels, noise source) with no state of its own:
/// calling it twice with equal inputs and equally seeded noise gives equal results.
/// </summary>
public interface ISampler
{
    /// <summary>The registry name (<see cref="Samplers.All"/>).</summary>
    string Name { get; }

    /// <summary>
    /// Integrates from <paramref name="xT"/> at levels[0] (variance-preserving units, as the <see cref="Denoiser"/> takes x) to
    /// an estimate of x_0. <paramref name="levels"/> are where the denoiser is evaluated: σ strictly decreasing and &gt; 0
    /// (see <see cref="NoiseLevels"/>); after the last one the sampler steps to clean data (σ = 0). <paramref name="xT"/> is
    /// neither modified nor disposed. Returns x̂_0 as float (clipped to [−1, 1] only where the sampler was created with
    /// clipping). <paramref name="progress"/> gets (steps done, total).
    /// </summary>
    Tensor Sample(Denoiser denoiser, Tensor xT, IReadOnlyList<NoiseLevel> levels, SampleNoise noise, Action<int, int>? progress = null);
}
