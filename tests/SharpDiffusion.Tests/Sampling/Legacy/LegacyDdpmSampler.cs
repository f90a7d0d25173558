// Copied from src/SharpDiffusion/Sampling/DdpmSampler.cs at 8b02e6c as the oracle for issue 22's contract refactor; do not edit.
// Renamed with a Legacy prefix; the arithmetic (operation order, dtypes, Scaled.By calls) is unchanged, so the production
// code after the refactor must reproduce it bit for bit (LegacySamplerOracleTests).
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>
/// Ancestral sampling, Ho et al. 2020 Algorithm 2, on any timestep subsequence with the respaced
/// β'_i = 1 − ᾱ_{t_i}/ᾱ_{t_{i+1}} (Nichol &amp; Dhariwal 2021, §4); the last step adds no noise.
/// </summary>
/// <param name="largeVariance">σ² = β' (Ho et al.'s "σ² = β" choice) instead of the posterior variance β̃'.</param>
/// <param name="clipDenoised">Clip x̂_0 to [−1, 1] before forming the posterior mean, as denoising-diffusion-pytorch does.</param>
internal sealed class LegacyDdpmSampler(bool largeVariance = false, bool clipDenoised = true) : ILegacySampler
{
    public string Name => "ddpm";

    public bool LargeVariance { get; } = largeVariance;

    public bool ClipDenoised { get; } = clipDenoised;

    public Tensor Sample(LegacyDenoiser denoiser, Tensor xT, IReadOnlyList<int> timesteps, LegacySchedule schedule, SampleNoise noise, Action<int, int>? progress = null)
    {
        LegacySamplerSteps.Validate(denoiser, xT, timesteps, schedule, noise);
        return LegacySamplerSteps.Loop(xT, timesteps.Count, progress, (i, x) =>
        {
            int t = timesteps[i], previous = LegacySamplerSteps.Previous(timesteps, i);
            double alphaBar = schedule.AlphaBar(t), alphaBarPrevious = schedule.AlphaBar(previous);
            var eps = LegacySamplerSteps.Evaluate(denoiser, x, t);
            var x0 = LegacySamplerSteps.PredictX0(x, eps, alphaBar, ClipDenoised);
            if (previous < 0) return x0; // the posterior mean at ᾱ_prev = 1 is x̂_0, and Algorithm 2 adds no noise here

            double beta = 1 - alphaBar / alphaBarPrevious;
            // Ho et al. 2020, eq. 7 with the respaced β'.
            double coefX0 = Math.Sqrt(alphaBarPrevious) * beta / (1 - alphaBar);
            double coefXt = Math.Sqrt(1 - beta) * (1 - alphaBarPrevious) / (1 - alphaBar);
            double variance = LargeVariance ? beta : beta * (1 - alphaBarPrevious) / (1 - alphaBar);
            return Scaled.By(x0, coefX0) + Scaled.By(x, coefXt) + Scaled.By(LegacySamplerSteps.Noise(noise, x), Math.Sqrt(variance));
        });
    }
}
