// Copied from src/SharpDiffusion/Sampling/DdimSampler.cs at 8b02e6c as the oracle for issue 22's contract refactor; do not edit.
// Renamed with a Legacy prefix; the arithmetic (operation order, dtypes, Scaled.By calls) is unchanged, so the production
// code after the refactor must reproduce it bit for bit (LegacySamplerOracleTests).
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>
/// DDIM, Song et al. 2021 eq. 12 with σ_t(η) of eq. 16: η = 0 is the deterministic sampler, η = 1 equals DDPM
/// ancestral sampling over the same timesteps.
/// </summary>
internal sealed class LegacyDdimSampler : ILegacySampler
{
    /// <param name="eta">η in [0, 1].</param>
    /// <param name="clipDenoised">Clip x̂_0 to [−1, 1] and re-derive ε̂ from it, as denoising-diffusion-pytorch does.</param>
    public LegacyDdimSampler(double eta = 0, bool clipDenoised = true)
    {
        if (!(eta >= 0 && eta <= 1))
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "DDIM's eta must lie in [0, 1] (0: deterministic, 1: DDPM-like).");
        Eta = eta;
        ClipDenoised = clipDenoised;
    }

    public string Name => "ddim";

    public double Eta { get; }

    public bool ClipDenoised { get; }

    public Tensor Sample(LegacyDenoiser denoiser, Tensor xT, IReadOnlyList<int> timesteps, LegacySchedule schedule, SampleNoise noise, Action<int, int>? progress = null)
    {
        LegacySamplerSteps.Validate(denoiser, xT, timesteps, schedule, noise);
        return LegacySamplerSteps.Loop(xT, timesteps.Count, progress, (i, x) =>
        {
            int t = timesteps[i], previous = LegacySamplerSteps.Previous(timesteps, i);
            double alphaBar = schedule.AlphaBar(t), alphaBarPrevious = schedule.AlphaBar(previous);
            var eps = LegacySamplerSteps.Evaluate(denoiser, x, t);
            var x0 = LegacySamplerSteps.PredictX0(x, eps, alphaBar, ClipDenoised);
            if (previous < 0) return x0;
            if (ClipDenoised) eps = LegacySamplerSteps.EpsFromX0(x, x0, alphaBar);

            double sigma = Eta * Math.Sqrt((1 - alphaBarPrevious) / (1 - alphaBar) * (1 - alphaBar / alphaBarPrevious));
            double direction = Math.Sqrt(Math.Max(0, 1 - alphaBarPrevious - sigma * sigma));
            var next = Scaled.By(x0, Math.Sqrt(alphaBarPrevious)) + Scaled.By(eps, direction);
            return sigma > 0 ? next + Scaled.By(LegacySamplerSteps.Noise(noise, x), sigma) : next;
        });
    }
}
