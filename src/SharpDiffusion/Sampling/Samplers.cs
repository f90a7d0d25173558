namespace SharpDiffusion.Sampling;

/// <summary>
/// One sampler as the registry knows it: how to create it, which timesteps it visits and how many by default, and the line
/// of help the commands print. Adding a sampler means adding one entry to <see cref="Samplers.All"/>.
/// </summary>
/// <param name="DefaultSteps">Network evaluations when the user gives none; null: every one of the T training timesteps.</param>
/// <param name="TakesEta">Whether η (DDIM's stochasticity) applies.</param>
/// <param name="TakesLargeVariance">Whether the large posterior variance β_t (instead of β̃_t) applies.</param>
/// <param name="TakesChurn">Whether Karras et al.'s churn (<see cref="Churn"/>) applies.</param>
/// <param name="ClipsByDefault">Whether it clips x̂₀ of a pixel model unless told otherwise (Karras et al.'s samplers never do).</param>
public sealed record SamplerEntry(
    string Name, string Help, TimestepSpacing DefaultSpacing, int? DefaultSteps, bool TakesEta, bool TakesLargeVariance, bool TakesChurn, bool ClipsByDefault,
    Func<SamplerOptions, ISampler> Factory)
{
    /// <summary>The default step count for a formulation whose full-length sampler takes <paramref name="fullSteps"/> (T for a DDPM table).</summary>
    public int StepsFor(int fullSteps) => DefaultSteps ?? fullSteps;
}

/// <summary>Every sampler option; each sampler reads those its entry says it takes.</summary>
public sealed record SamplerOptions(double Eta = 0, bool LargeVariance = false, bool ClipDenoised = true, Churn? Churn = null);

/// <summary>The sampler registry: the one place a sampler is picked by name.</summary>
public static class Samplers
{
    public static IReadOnlyList<SamplerEntry> All { get; } =
    [
        new("ddpm", "ancestral sampling (Ho et al. 2020), all T steps", TimestepSpacing.Leading, DefaultSteps: null, TakesEta: false, TakesLargeVariance: true, TakesChurn: false, ClipsByDefault: true,
            o => new DdpmSampler(o.LargeVariance, o.ClipDenoised)),
        new("ddim", "DDIM (Song et al. 2021), deterministic at η = 0", TimestepSpacing.Leading, DefaultSteps: 50, TakesEta: true, TakesLargeVariance: false, TakesChurn: false, ClipsByDefault: true,
            o => new DdimSampler(o.Eta, o.ClipDenoised)),
        new("dpm-solver++", "DPM-Solver++(2M) (Lu et al. 2022), log-SNR steps", TimestepSpacing.LogSnrUniform, DefaultSteps: 20, TakesEta: false, TakesLargeVariance: false, TakesChurn: false, ClipsByDefault: true,
            o => new DpmSolverPlusPlusSampler(o.ClipDenoised)),
        new("unipc", "UniPC (Zhao et al. 2023), log-SNR steps", TimestepSpacing.LogSnrUniform, DefaultSteps: 20, TakesEta: false, TakesLargeVariance: false, TakesChurn: false, ClipsByDefault: true,
            o => new UniPcSampler(o.ClipDenoised)),
        new("euler", "Euler in σ (Karras et al. 2022), Karras σ's, optional churn", TimestepSpacing.Karras, DefaultSteps: 50, TakesEta: false, TakesLargeVariance: false, TakesChurn: true, ClipsByDefault: false,
            o => new EulerSampler(heun: false, o.Churn ?? Churn.None, o.ClipDenoised)),
        new("heun", "Heun in σ (Karras et al. 2022, Alg. 2), Karras σ's, 2n − 1 evaluations", TimestepSpacing.Karras, DefaultSteps: 18, TakesEta: false, TakesLargeVariance: false, TakesChurn: true, ClipsByDefault: false,
            o => new EulerSampler(heun: true, o.Churn ?? Churn.None, o.ClipDenoised)),
    ];

    public static IReadOnlyList<string> Names { get; } = [.. All.Select(s => s.Name)];

    /// <summary>"ddpm, ddim, dpm-solver++, unipc, euler or heun", for help texts.</summary>
    public static string NameList => string.Join(", ", Names.Take(Names.Count - 1)) + " or " + Names[^1];

    /// <summary>"50 for ddim, 20 for dpm-solver++ and unipc, T for ddpm", for help texts.</summary>
    public static string DefaultStepsHelp => string.Join(", ", All.GroupBy(s => s.DefaultSteps)
        .OrderBy(g => g.Key is null)
        .Select(g => $"{g.Key?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "T"} for {string.Join(" and ", g.Select(s => s.Name))}"));

    /// <summary>"leading for ddpm and ddim, log-snr for dpm-solver++ and unipc", for help texts.</summary>
    public static string DefaultSpacingHelp => string.Join(", ", All.GroupBy(s => s.DefaultSpacing)
        .Select(g => $"{TimestepSpacings.NameOf(g.Key)} for {string.Join(" and ", g.Select(s => s.Name))}"));

    /// <summary>The entry of <paramref name="name"/> (case-insensitive); an unknown name lists the valid ones.</summary>
    public static SamplerEntry Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        return All.FirstOrDefault(s => s.Name == key)
            ?? throw new ArgumentException($"Unknown sampler '{name}'; use one of: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>
    /// Creates a sampler by name (case-insensitive). <paramref name="eta"/> applies only to samplers that take it (ddim) and
    /// <paramref name="largeVariance"/> only to ddpm; passing them to another sampler is an error rather than being ignored.
    /// <paramref name="clipDenoised"/> clips x̂_0 to [−1, 1] at every step (the reference's behaviour; on by default).
    /// </summary>
    public static ISampler Create(string name, double eta = 0, bool largeVariance = false, bool clipDenoised = true, Churn? churn = null)
    {
        var entry = Find(name);
        if (eta != 0 && !entry.TakesEta)
            throw new ArgumentException($"eta applies only to the ddim sampler, not to '{name}'; drop --eta or use --sampler ddim.", nameof(eta));
        if (largeVariance && !entry.TakesLargeVariance)
            throw new ArgumentException($"The large posterior variance applies only to the ddpm sampler, not to '{name}'.", nameof(largeVariance));
        if (churn is { IsNone: false } && !entry.TakesChurn)
            throw new ArgumentException($"churn applies only to the euler and heun samplers, not to '{name}'; drop --churn or use --sampler heun.", nameof(churn));
        if (churn?.Problem() is { } problem)
            throw new ArgumentException(problem + ".", nameof(churn));
        return entry.Factory(new SamplerOptions(eta, largeVariance, clipDenoised, churn));
    }
}
