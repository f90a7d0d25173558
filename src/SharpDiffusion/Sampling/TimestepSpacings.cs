namespace SharpDiffusion.Sampling;

/// <summary>Spacing names as typed on the command line.</summary>
public static class TimestepSpacings
{
    public static IReadOnlyList<string> Names { get; } = ["leading", "trailing", "quadratic", "log-snr"];

    /// <summary><see cref="Names"/> and "auto" (each sampler's default), as a command line takes them.</summary>
    public static IReadOnlyList<string> NamesWithAuto { get; } = ["auto", .. Names];

    /// <summary>
    /// The sampler's own default (<see cref="SamplerEntry.DefaultSpacing"/>): the λ-space solvers (DPM-Solver++, UniPC) are
    /// accurate only with log-SNR-uniform steps (docs/sampling.md); DDPM and DDIM use DDIM's uniform skip.
    /// </summary>
    public static TimestepSpacing DefaultFor(string sampler) => Samplers.Find(sampler).DefaultSpacing;

    /// <summary>The name <see cref="Parse"/> reads as <paramref name="spacing"/>.</summary>
    public static string NameOf(TimestepSpacing spacing) => spacing switch
    {
        TimestepSpacing.Leading => "leading",
        TimestepSpacing.Trailing => "trailing",
        TimestepSpacing.Quadratic => "quadratic",
        TimestepSpacing.LogSnrUniform => "log-snr",
        _ => throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "Unknown timestep spacing."),
    };

    /// <summary>Parses a name from <see cref="Names"/>; "auto" means <see cref="DefaultFor"/>.</summary>
    public static TimestepSpacing Parse(string name, string sampler) => name switch
    {
        "auto" => DefaultFor(sampler),
        "leading" => TimestepSpacing.Leading,
        "trailing" => TimestepSpacing.Trailing,
        "quadratic" => TimestepSpacing.Quadratic,
        "log-snr" => TimestepSpacing.LogSnrUniform,
        _ => throw new ArgumentException($"unknown timestep spacing '{name}'; use auto, {string.Join(", ", Names)}"),
    };
}
