using System.Collections.ObjectModel;
using SharpDiffusion.Config;

namespace SharpDiffusion.Diffusion;

/// <summary>
/// The forward-process noise levels of one run, in float64 and immutable. Index t runs 0 … T−1
/// (the paper's t = 1 … T); t = −1 stands for clean data (ᾱ = 1) wherever a method accepts it.
/// </summary>
public sealed class NoiseSchedule
{
    private readonly double[] betas;
    private readonly double[] alphasCumprod;

    private NoiseSchedule(double[] betas)
    {
        this.betas = betas;
        alphasCumprod = new double[betas.Length];
        double product = 1;
        for (int t = 0; t < betas.Length; t++)
        {
            product *= 1 - betas[t];
            alphasCumprod[t] = product;
        }

        var posteriorVariance = new double[betas.Length];
        var posteriorCoefX0 = new double[betas.Length];
        var posteriorCoefXt = new double[betas.Length];
        for (int t = 0; t < betas.Length; t++)
        {
            double previous = AlphaBar(t - 1);
            // Ho et al. 2020, eq. 7.
            posteriorVariance[t] = betas[t] * (1 - previous) / (1 - alphasCumprod[t]);
            posteriorCoefX0[t] = Math.Sqrt(previous) * betas[t] / (1 - alphasCumprod[t]);
            posteriorCoefXt[t] = Math.Sqrt(1 - betas[t]) * (1 - previous) / (1 - alphasCumprod[t]);
        }

        Betas = Array.AsReadOnly(betas);
        AlphasCumprod = Array.AsReadOnly(alphasCumprod);
        PosteriorVariance = Array.AsReadOnly(posteriorVariance);
        PosteriorMeanCoefX0 = Array.AsReadOnly(posteriorCoefX0);
        PosteriorMeanCoefXt = Array.AsReadOnly(posteriorCoefXt);
    }

    /// <summary>
    /// Builds the schedule a config names. BetaStart/BetaEnd shape only the linear schedule; cosine and sigmoid
    /// are fixed curves (their published forms have no such parameters); table takes config.Betas as they are.
    /// </summary>
    public static NoiseSchedule Create(DiffusionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Timesteps < 1)
            throw new ArgumentOutOfRangeException(nameof(config), config.Timesteps, "diffusion.timesteps must be at least 1.");
        double[] betas = config.Schedule switch
        {
            BetaSchedule.Linear => BetaSchedules.Linear(config.Timesteps, config.BetaStart, config.BetaEnd),
            BetaSchedule.Cosine => BetaSchedules.Cosine(config.Timesteps),
            BetaSchedule.Sigmoid => BetaSchedules.Sigmoid(config.Timesteps),
            BetaSchedule.Table => config.Betas is { } table && table.Count == config.Timesteps ? table.ToArray()
                : throw new ArgumentException($"diffusion.schedule table needs diffusion.betas with {config.Timesteps} values (diffusion.timesteps); got {config.Betas?.Count ?? 0}.", nameof(config)),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Schedule, "Unknown diffusion.schedule; use linear, cosine, sigmoid or table."),
        };
        return FromBetas(betas);
    }

    /// <summary>Builds a schedule from explicit betas; each must lie in (0, 1).</summary>
    public static NoiseSchedule FromBetas(IReadOnlyList<double> betas)
    {
        ArgumentNullException.ThrowIfNull(betas);
        if (betas.Count == 0) throw new ArgumentException("A noise schedule needs at least one beta.", nameof(betas));
        for (int t = 0; t < betas.Count; t++)
        {
            if (!(betas[t] > 0 && betas[t] < 1))
                throw new ArgumentOutOfRangeException(nameof(betas), betas[t], $"beta[{t}] must lie in (0, 1); check beta_start and beta_end.");
        }
        return new NoiseSchedule(betas.ToArray());
    }

    /// <summary>Number of forward steps T.</summary>
    public int Timesteps => betas.Length;

    /// <summary>β_t.</summary>
    public IReadOnlyList<double> Betas { get; }

    /// <summary>ᾱ_t = ∏_{s≤t} (1 − β_s).</summary>
    public IReadOnlyList<double> AlphasCumprod { get; }

    /// <summary>β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t), the variance of q(x_{t−1} | x_t, x_0) (Ho et al. 2020, eq. 7); 0 at t = 0.</summary>
    public IReadOnlyList<double> PosteriorVariance { get; }

    /// <summary>Coefficient of x_0 in the posterior mean μ̃_t (Ho et al. 2020, eq. 7).</summary>
    public IReadOnlyList<double> PosteriorMeanCoefX0 { get; }

    /// <summary>Coefficient of x_t in the posterior mean μ̃_t (Ho et al. 2020, eq. 7).</summary>
    public IReadOnlyList<double> PosteriorMeanCoefXt { get; }

    /// <summary>ᾱ_t, with ᾱ_{−1} = 1 (clean data).</summary>
    public double AlphaBar(int t)
    {
        if (t < -1 || t >= betas.Length)
            throw new ArgumentOutOfRangeException(nameof(t), t, $"Timestep must lie in [-1, {betas.Length - 1}].");
        return t < 0 ? 1 : alphasCumprod[t];
    }

    /// <summary>log-SNR λ_t = log(ᾱ_t / (1 − ᾱ_t)) (Kingma et al. 2021); +∞ at t = −1.</summary>
    public double LogSnr(int t)
    {
        double alphaBar = AlphaBar(t);
        return t < 0 ? double.PositiveInfinity : Math.Log(alphaBar) - Math.Log(1 - alphaBar);
    }
}
