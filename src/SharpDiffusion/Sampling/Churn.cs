using System.Globalization;

namespace SharpDiffusion.Sampling;

/// <summary>
/// Karras et al. 2022's stochastic churn (Algorithm 2): before step i, when S_min ≤ σ_i ≤ S_max, raise σ_i to
/// σ̂ = (1 + γ)·σ_i with γ = min(S_churn/N, √2 − 1) by adding fresh noise of variance (σ̂² − σ_i²)·S_noise². The
/// default (S_churn = 0) is the deterministic sampler and draws nothing.
/// </summary>
/// <param name="Amount">S_churn ≥ 0 (EDM's ImageNet-64: 40).</param>
/// <param name="SigmaMin">S_min ≥ 0 (0.05 there).</param>
/// <param name="SigmaMax">S_max ≥ S_min (50 there).</param>
/// <param name="NoiseScale">S_noise &gt; 0 (1.003 there), a little above 1 to offset the denoiser's tendency to remove slightly too much noise.</param>
public sealed record Churn(double Amount = 0, double SigmaMin = 0, double SigmaMax = double.PositiveInfinity, double NoiseScale = 1)
{
    public static Churn None { get; } = new();

    public bool IsNone => Amount == 0;

    /// <summary>γ_i at σ_i for a sampler of <paramref name="steps"/> steps.</summary>
    public double Gamma(double sigma, int steps) =>
        Amount > 0 && sigma >= SigmaMin && sigma <= SigmaMax ? Math.Min(Amount / steps, Math.Sqrt(2) - 1) : 0;

    /// <summary>The one-sentence problem with these values, or null when they are valid.</summary>
    public string? Problem()
    {
        if (!(Amount >= 0) || double.IsInfinity(Amount)) return $"--churn (S_churn) must be a finite number ≥ 0, not {Format(Amount)}";
        if (!(SigmaMin >= 0) || double.IsInfinity(SigmaMin)) return $"--churn-min (S_min) must be a finite number ≥ 0, not {Format(SigmaMin)}";
        if (!(SigmaMax >= SigmaMin)) return $"--churn-max (S_max = {Format(SigmaMax)}) must be at least --churn-min (S_min = {Format(SigmaMin)})";
        if (!(NoiseScale > 0) || double.IsInfinity(NoiseScale)) return $"--churn-noise (S_noise) must be a finite number > 0 (EDM uses 1.003), not {Format(NoiseScale)}";
        return null;
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}
