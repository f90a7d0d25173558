using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// DDIM, Song et al. 2021 eq. 12 with σ_t(η) of eq. 16: η = 0 is the deterministic sampler, η = 1 equals DDPM
/// ancestral sampling over the same timesteps.
/// </summary>
public sealed class DdimSampler : ISampler
{
    /// <param name="eta">η in [0, 1].</param>
    /// <param name="clipDenoised">Clip x̂_0 to [−1, 1] and re-derive ε̂ from it, as denoising-diffusion-pytorch does.</param>
    public DdimSampler(double eta = 0, bool clipDenoised = true)
    {
        if (!(eta >= 0 && eta <= 1))
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "DDIM's eta must lie in [0, 1] (0: deterministic, 1: DDPM-like).");
        Eta = eta;
        ClipDenoised = clipDenoised;
    }

    public string Name => "ddim";

    public double Eta { get; }

    public bool ClipDenoised { get; }

    public Tensor Sample(Denoiser denoiser, Tensor xT, IReadOnlyList<NoiseLevel> levels, SampleNoise noise, Action<int, int>? progress = null)
    {
        SamplerSteps.Validate(denoiser, xT, levels, noise);
        return SamplerSteps.Loop(xT, levels.Count, progress, (i, x) =>
        {
            NoiseLevel level = levels[i], previous = SamplerSteps.Next(levels, i);
            double alphaBar = level.AlphaBar, alphaBarPrevious = previous.AlphaBar;
            var prediction = SamplerSteps.Evaluate(denoiser, x, level);
            var x0 = prediction.Denoised(ClipDenoised);
            if (previous.IsClean) return x0;
            var eps = ClipDenoised ? SamplerSteps.EpsFromX0(x, x0, alphaBar) : prediction.Noise();

            double sigma = Eta * Math.Sqrt((1 - alphaBarPrevious) / (1 - alphaBar) * (1 - alphaBar / alphaBarPrevious));
            double direction = Math.Sqrt(Math.Max(0, 1 - alphaBarPrevious - sigma * sigma));
            var next = Scaled.By(x0, Math.Sqrt(alphaBarPrevious)).Plus(Scaled.By(eps, direction));
            return sigma > 0 ? next.Plus(Scaled.By(SamplerSteps.Noise(noise, x), sigma)) : next;
        });
    }
}
