using System.Text.Json.Serialization;

namespace SharpDiffusion.Config;

public sealed record DiffusionConfig
{
    /// <summary>The formulation (Diffusion/Formulations): ddpm, the default, is what every file without this key was.</summary>
    public DiffusionFormulation Formulation { get; init; } = DiffusionFormulation.Ddpm;

    /// <summary>Number of forward-process steps T.</summary>
    public int Timesteps { get; init; } = 1000;

    public BetaSchedule Schedule { get; init; } = BetaSchedule.Linear;

    /// <summary>Linear schedule: β₁ and β_T (Ho et al. 2020 use 1e-4 and 0.02 for T = 1000).</summary>
    public double BetaStart { get; init; } = 1e-4;

    public double BetaEnd { get; init; } = 0.02;

    /// <summary>
    /// schedule table only: β_t for t = 0 … T−1 (float64), exactly as used; null for the named schedules. An imported
    /// denoising-diffusion-pytorch run carries its checkpoint's table here (docs/interop.md), so that its ᾱ is the library's.
    /// </summary>
    public IReadOnlyList<double>? Betas { get; init; }

    public Objective Objective { get; init; } = Objective.Eps;

    /// <summary>
    /// Min-SNR-γ loss weighting (Hang et al. 2023): each sample's error is weighted so that, in x_0 terms, timesteps count
    /// min(SNR(t), γ) — noisy steps no longer dominate and nearly clean ones are capped. 0 = off (the plain loss).
    /// </summary>
    public double MinSnrGamma { get; init; }

    /// <summary>formulation edm only: its constants (null: the paper's, σ_data from the sample space).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public EdmConfig? Edm { get; init; }

    /// <summary>The keys only the ddpm formulation reads, as JSON spells them (refused with another formulation unless at their defaults).</summary>
    public static IReadOnlyList<string> DdpmOnlyKeys { get; } = ["timesteps", "schedule", "beta_start", "beta_end", "betas", "objective", "min_snr_gamma"];

    /// <summary>Whether every ddpm-only key has its default value (an EDM config leaves them out).</summary>
    [JsonIgnore]
    public bool DdpmKeysAtDefaults
    {
        get
        {
            var defaults = new DiffusionConfig();
            return Timesteps == defaults.Timesteps && Schedule == defaults.Schedule && BetaStart == defaults.BetaStart && BetaEnd == defaults.BetaEnd
                && Betas is null && Objective == defaults.Objective && MinSnrGamma == defaults.MinSnrGamma;
        }
    }
}
