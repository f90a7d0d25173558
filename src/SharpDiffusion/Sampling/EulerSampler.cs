using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// Karras et al. 2022's sampler of the probability-flow ODE dx_σ/dσ = (x_σ − D(x_σ; σ))/σ in x_σ = x_t/√ᾱ (Algorithm 2):
/// Euler steps, or Heun's second-order correction when <paramref name="heun"/> (every step but the last, whose end σ = 0
/// would be divided by: that step is Euler and returns D, so N levels cost 2N − 1 evaluations), with optional churn. x is
/// carried in x's own dtype; EDM's reference carries float64, which a float64 x_T gives here.
/// </summary>
/// <param name="clipDenoised">Clip D to [−1, 1] before it enters the step (EDM never clips; DDIM does, and DDIM η = 0 is this Euler in σ).</param>
public sealed class EulerSampler(bool heun, Churn churn, bool clipDenoised) : ISampler
{
    public string Name => Heun ? "heun" : "euler";

    public bool Heun { get; } = heun;

    public Churn Churn { get; } = churn ?? throw new ArgumentNullException(nameof(churn));

    public bool ClipDenoised { get; } = clipDenoised;

    public Tensor Sample(Denoiser denoiser, Tensor xT, IReadOnlyList<NoiseLevel> levels, SampleNoise noise, Action<int, int>? progress = null)
    {
        SamplerSteps.Validate(denoiser, xT, levels, noise);
        if (Churn.Problem() is { } problem) throw new ArgumentException(problem + ".");
        using var start = ToSigmaSpace(xT, levels[0]);
        return SamplerSteps.Loop(start, levels.Count, progress, (i, x) =>
        {
            NoiseLevel level = levels[i], next = SamplerSteps.Next(levels, i);
            double gamma = Churn.Gamma(level.Sigma, levels.Count);
            var hat = gamma > 0 ? NoiseLevel.FromSigma((1 + gamma) * level.Sigma) : level;
            var xHat = gamma > 0
                ? x.Plus(Scaled.By(SamplerSteps.Noise(noise, x), Churn.NoiseScale * Math.Sqrt(hat.Sigma * hat.Sigma - level.Sigma * level.Sigma)))
                : x;
            var denoised = Denoise(denoiser, xHat, hat);
            if (next.IsClean) return denoised; // the Euler step to σ = 0 is D itself
            var slope = Scaled.By(xHat - denoised, 1 / hat.Sigma);
            var euler = xHat.Plus(Scaled.By(slope, next.Sigma - hat.Sigma));
            if (!Heun) return euler;
            var slopeNext = Scaled.By(euler - Denoise(denoiser, euler, next), 1 / next.Sigma);
            return xHat.Plus(Scaled.By(slope.Plus(slopeNext), (next.Sigma - hat.Sigma) / 2));
        });
    }

    /// <summary>x_σ = x_t/√ᾱ.</summary>
    private static Tensor ToSigmaSpace(Tensor x, NoiseLevel level) => Scaled.By(x, 1 / Math.Sqrt(level.AlphaBar));

    /// <summary>D(x_σ; σ), the denoiser called in variance-preserving units x_t = √ᾱ·x_σ.</summary>
    private Tensor Denoise(Denoiser denoiser, Tensor xSigma, NoiseLevel level) =>
        SamplerSteps.Evaluate(denoiser, Scaled.By(xSigma, Math.Sqrt(level.AlphaBar)), level).Denoised(ClipDenoised);
}
