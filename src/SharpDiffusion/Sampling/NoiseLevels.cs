using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;

namespace SharpDiffusion.Sampling;

/// <summary>The noise levels a sampler visits, from a spacing (<see cref="TimestepSpacings"/>) and a formulation.</summary>
public static class NoiseLevels
{
    /// <summary>
    /// <paramref name="steps"/> levels, σ strictly decreasing. A timestep rule on a table gives its entries (ᾱ carried, at most
    /// T of them); a σ rule gives the formulation's level of each σ. A timestep-only rule on a continuous formulation is refused.
    /// </summary>
    public static IReadOnlyList<NoiseLevel> Create(TimestepSpacing spacing, int steps, IFormulation formulation)
    {
        ArgumentNullException.ThrowIfNull(formulation);
        var entry = TimestepSpacings.Of(spacing);
        if (formulation.Table is { } table && entry.Timesteps is not null)
        {
            Timesteps.CheckStepsWithin(steps, table.Count);
            return table.Levels(entry.Timesteps(steps, table.Count, table.Schedule));
        }
        if (entry.Sigmas is null)
            throw new ArgumentException($"the {entry.Name} spacing picks timesteps of a DDPM table, and this is a {formulation.Name} model without one; use karras or log-snr");
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "The number of sampling steps must be at least 1.");
        return [.. entry.Sigmas(steps, formulation).Select(formulation.LevelAt)];
    }

    /// <summary>Karras et al. 2022, eq. 5, without its final σ_N = 0 (every sampler steps to clean data after the last level); the ends are exact.</summary>
    public static double[] KarrasSigmas(int steps, double sigmaMin, double sigmaMax, double rho)
    {
        CheckRange(sigmaMin, sigmaMax);
        if (steps == 1) return [sigmaMax];
        double high = Math.Pow(sigmaMax, 1 / rho), low = Math.Pow(sigmaMin, 1 / rho);
        var sigmas = new double[steps];
        for (int i = 0; i < steps; i++) sigmas[i] = Math.Pow(high + i / (double)(steps - 1) * (low - high), rho);
        sigmas[0] = sigmaMax;
        sigmas[^1] = sigmaMin;
        return sigmas;
    }

    /// <summary>σ uniform in log σ (= uniform in log-SNR, λ = −2 ln σ) from σ_max to σ_min; the ends are exact.</summary>
    public static double[] LogUniformSigmas(int steps, double sigmaMin, double sigmaMax)
    {
        CheckRange(sigmaMin, sigmaMax);
        if (steps == 1) return [sigmaMax];
        double high = Math.Log(sigmaMax), low = Math.Log(sigmaMin);
        var sigmas = new double[steps];
        for (int i = 0; i < steps; i++) sigmas[i] = Math.Exp(high + i / (double)(steps - 1) * (low - high));
        sigmas[0] = sigmaMax;
        sigmas[^1] = sigmaMin;
        return sigmas;
    }

    private static void CheckRange(double sigmaMin, double sigmaMax)
    {
        if (!(sigmaMin > 0 && sigmaMax > sigmaMin) || double.IsInfinity(sigmaMax))
            throw new ArgumentException($"A σ range needs 0 < σ_min < σ_max < ∞; got σ_min = {sigmaMin}, σ_max = {sigmaMax}.");
    }
}
