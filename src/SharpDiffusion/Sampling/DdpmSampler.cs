using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// Ancestral sampling, Ho et al. 2020 Algorithm 2, on any timestep subsequence with the respaced
/// β'_i = 1 − ᾱ_{t_i}/ᾱ_{t_{i+1}} (Nichol &amp; Dhariwal 2021, §4); the last step adds no noise.
/// </summary>
/// <param name="largeVariance">σ² = β' (Ho et al.'s "σ² = β" choice) instead of the posterior variance β̃'.</param>
/// <param name="clipDenoised">Clip x̂_0 to [−1, 1] before forming the posterior mean, as denoising-diffusion-pytorch does.</param>
public sealed class DdpmSampler(bool largeVariance = false, bool clipDenoised = true) : ISampler
{
    public string Name => "ddpm";

    public bool LargeVariance { get; } = largeVariance;

    public bool ClipDenoised { get; } = clipDenoised;

    public Tensor Sample(Denoiser denoiser, Tensor xT, IReadOnlyList<NoiseLevel> levels, SampleNoise noise, Action<int, int>? progress = null)
    {
        SamplerSteps.Validate(denoiser, xT, levels, noise);
        return SamplerSteps.Loop(xT, levels.Count, progress, (i, x) =>
        {
            NoiseLevel level = levels[i], previous = SamplerSteps.Next(levels, i);
            double alphaBar = level.AlphaBar, alphaBarPrevious = previous.AlphaBar;
            var x0 = SamplerSteps.Evaluate(denoiser, x, level).Denoised(ClipDenoised);
            if (previous.IsClean) return x0; // the posterior mean at ᾱ_prev = 1 is x̂_0, and Algorithm 2 adds no noise here

            double beta = 1 - alphaBar / alphaBarPrevious;
            // Ho et al. 2020, eq. 7 with the respaced β'.
            double coefX0 = Math.Sqrt(alphaBarPrevious) * beta / (1 - alphaBar);
            double coefXt = Math.Sqrt(1 - beta) * (1 - alphaBarPrevious) / (1 - alphaBar);
            double variance = LargeVariance ? beta : beta * (1 - alphaBarPrevious) / (1 - alphaBar);
            return Scaled.By(x0, coefX0).Plus(Scaled.By(x, coefXt)).Plus(Scaled.By(SamplerSteps.Noise(noise, x), Math.Sqrt(variance)));
        });
    }
}
