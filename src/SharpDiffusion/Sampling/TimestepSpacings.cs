using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;

namespace SharpDiffusion.Sampling;

/// <summary>
/// One spacing as the registry knows it: its key, the name a command line and a config take, one line of help and its rule.
/// A rule picks integer timesteps of a DDPM table (<paramref name="Timesteps"/>), or σ's in a formulation's continuous range
/// (<paramref name="Sigmas"/>), or both (log-SNR: table entries on a table, σ's otherwise). Adding a spacing means adding
/// one entry to <see cref="TimestepSpacings.All"/>.
/// </summary>
/// <param name="Timesteps">(steps, T, schedule) → the timesteps visited, descending; schedule is null where <paramref name="NeedsSchedule"/> is false and none was given.</param>
/// <param name="Sigmas">(steps, formulation) → σ's, descending and &gt; 0; null for a rule that only picks table entries.</param>
public sealed record SpacingEntry(TimestepSpacing Spacing, string Name, string Help, bool NeedsSchedule, Func<int, int, NoiseSchedule?, int[]>? Timesteps,
    Func<int, IFormulation, double[]>? Sigmas = null)
{
    /// <summary>Whether the rule can lay levels over <paramref name="formulation"/> (a table-only rule needs a table).</summary>
    public bool Fits(IFormulation formulation) => Sigmas is not null || formulation.Table is not null;
}

/// <summary>The spacing registry: the one place a spacing is named and picked by name.</summary>
public static class TimestepSpacings
{
    public static IReadOnlyList<SpacingEntry> All { get; } =
    [
        new(TimestepSpacing.Leading, "leading", "multiples of ⌊T/n⌋ from 0 up (DDIM's uniform skip, diffusers' leading): ends at t = 0", false, (n, T, _) => Sampling.Timesteps.Leading(n, T)),
        new(TimestepSpacing.Trailing, "trailing", "round(T − k·T/n) − 1 (diffusers' trailing, Lin et al. 2024): starts at T − 1", false, (n, T, _) => Sampling.Timesteps.Trailing(n, T)),
        new(TimestepSpacing.Quadratic, "quadratic", "(k/(n − 1))²·(T − 1) (Song et al. 2021): dense near t = 0", false, (n, T, _) => Sampling.Timesteps.Quadratic(n, T)),
        new(TimestepSpacing.LogSnrUniform, "log-snr", "uniform in log-SNR (Lu et al. 2022): the λ-space solvers' default", true, (n, _, schedule) => Sampling.Timesteps.LogSnrUniform(n, schedule!),
            (n, f) => NoiseLevels.LogUniformSigmas(n, f.SigmaMin, f.SigmaMax)),
        new(TimestepSpacing.Ddp, "ddp", "denoising-diffusion-pytorch's DDIM: int(linspace(−1, T − 1, n + 1)) in float32, truncated, without the −1: starts at T − 1", false, (n, T, _) => Sampling.Timesteps.Ddp(n, T)),
        new(TimestepSpacing.Karras, "karras", "Karras et al. 2022, eq. 5: σ^(1/ρ) uniform from σ_max to σ_min, ρ = 7 (on a DDPM table: its ends, times interpolated in log σ)", false, null,
            (n, f) => NoiseLevels.KarrasSigmas(n, f.SigmaMin, f.SigmaMax, f.Rho)),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(s => s.Name)];

    /// <summary><see cref="Names"/> and "auto" (each sampler's default), as a command line takes them.</summary>
    public static IReadOnlyList<string> NamesWithAuto { get; } = ["auto", .. Names];

    /// <summary>
    /// The sampler's own default (<see cref="SamplerEntry.DefaultSpacing"/>): the λ-space solvers (DPM-Solver++, UniPC) are
    /// accurate only with log-SNR-uniform steps (docs/sampling.md); DDPM and DDIM use DDIM's uniform skip; Euler and Heun
    /// Karras' σ's. On a continuous formulation (no table) every sampler defaults to Karras' σ's (Karras et al. 2022).
    /// </summary>
    public static TimestepSpacing DefaultFor(string sampler, IFormulation? formulation = null)
    {
        var spacing = Samplers.Find(sampler).DefaultSpacing;
        return formulation is null || formulation.Table is not null ? spacing : TimestepSpacing.Karras;
    }

    /// <summary>The entry of <paramref name="spacing"/>.</summary>
    public static SpacingEntry Of(TimestepSpacing spacing) =>
        All.FirstOrDefault(s => s.Spacing == spacing) ?? throw new ArgumentOutOfRangeException(nameof(spacing), spacing, $"Unknown timestep spacing; use {string.Join(", ", Names)}.");

    /// <summary>The name <see cref="Parse"/> reads as <paramref name="spacing"/>.</summary>
    public static string NameOf(TimestepSpacing spacing) => Of(spacing).Name;

    /// <summary>Parses a name from <see cref="Names"/>; "auto" means <see cref="DefaultFor"/>.</summary>
    public static TimestepSpacing Parse(string name, string sampler, IFormulation? formulation = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name == "auto") return DefaultFor(sampler, formulation);
        return All.FirstOrDefault(s => s.Name == name)?.Spacing
            ?? throw new ArgumentException($"unknown timestep spacing '{name}'; use auto, {string.Join(", ", Names)}");
    }
}
