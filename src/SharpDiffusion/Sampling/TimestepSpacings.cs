using SharpDiffusion.Diffusion;

namespace SharpDiffusion.Sampling;

/// <summary>
/// One timestep spacing as the registry knows it: its key, the name a command line and a config take, one line of help and
/// its rule. Adding a spacing means adding one entry to <see cref="TimestepSpacings.All"/>.
/// </summary>
/// <param name="Create">(steps, T, schedule) → the timesteps visited, descending; schedule is null where <paramref name="NeedsSchedule"/> is false and none was given.</param>
public sealed record SpacingEntry(TimestepSpacing Spacing, string Name, string Help, bool NeedsSchedule, Func<int, int, NoiseSchedule?, int[]> Create);

/// <summary>The timestep-spacing registry: the one place a spacing is named and picked by name.</summary>
public static class TimestepSpacings
{
    public static IReadOnlyList<SpacingEntry> All { get; } =
    [
        new(TimestepSpacing.Leading, "leading", "multiples of ⌊T/n⌋ from 0 up (DDIM's uniform skip, diffusers' leading): ends at t = 0", false, (n, T, _) => Timesteps.Leading(n, T)),
        new(TimestepSpacing.Trailing, "trailing", "round(T − k·T/n) − 1 (diffusers' trailing, Lin et al. 2024): starts at T − 1", false, (n, T, _) => Timesteps.Trailing(n, T)),
        new(TimestepSpacing.Quadratic, "quadratic", "(k/(n − 1))²·(T − 1) (Song et al. 2021): dense near t = 0", false, (n, T, _) => Timesteps.Quadratic(n, T)),
        new(TimestepSpacing.LogSnrUniform, "log-snr", "uniform in log-SNR (Lu et al. 2022): the λ-space solvers' default", true, (n, _, schedule) => Timesteps.LogSnrUniform(n, schedule!)),
        new(TimestepSpacing.Ddp, "ddp", "denoising-diffusion-pytorch's DDIM: int(linspace(−1, T − 1, n + 1)) in float32, truncated, without the −1: starts at T − 1", false, (n, T, _) => Timesteps.Ddp(n, T)),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(s => s.Name)];

    /// <summary><see cref="Names"/> and "auto" (each sampler's default), as a command line takes them.</summary>
    public static IReadOnlyList<string> NamesWithAuto { get; } = ["auto", .. Names];

    /// <summary>
    /// The sampler's own default (<see cref="SamplerEntry.DefaultSpacing"/>): the λ-space solvers (DPM-Solver++, UniPC) are
    /// accurate only with log-SNR-uniform steps (docs/sampling.md); DDPM and DDIM use DDIM's uniform skip.
    /// </summary>
    public static TimestepSpacing DefaultFor(string sampler) => Samplers.Find(sampler).DefaultSpacing;

    /// <summary>The entry of <paramref name="spacing"/>.</summary>
    public static SpacingEntry Of(TimestepSpacing spacing) =>
        All.FirstOrDefault(s => s.Spacing == spacing) ?? throw new ArgumentOutOfRangeException(nameof(spacing), spacing, $"Unknown timestep spacing; use {string.Join(", ", Names)}.");

    /// <summary>The name <see cref="Parse"/> reads as <paramref name="spacing"/>.</summary>
    public static string NameOf(TimestepSpacing spacing) => Of(spacing).Name;

    /// <summary>Parses a name from <see cref="Names"/>; "auto" means <see cref="DefaultFor"/>.</summary>
    public static TimestepSpacing Parse(string name, string sampler)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name == "auto") return DefaultFor(sampler);
        return All.FirstOrDefault(s => s.Name == name)?.Spacing
            ?? throw new ArgumentException($"unknown timestep spacing '{name}'; use auto, {string.Join(", ", Names)}");
    }
}
