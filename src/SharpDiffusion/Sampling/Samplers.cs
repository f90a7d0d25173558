using System.Collections.ObjectModel;

namespace SharpDiffusion.Sampling;

/// <summary>The sampler registry: the one place a sampler is picked by name.</summary>
public static class Samplers
{
    public static IReadOnlyList<string> Names { get; } = new ReadOnlyCollection<string>(["ddpm", "ddim", "dpm-solver++", "unipc"]);

    /// <summary>
    /// Creates a sampler by name (case-insensitive). <paramref name="eta"/> applies only to ddim and
    /// <paramref name="largeVariance"/> only to ddpm; passing them to another sampler is an error rather than being ignored.
    /// <paramref name="clipDenoised"/> clips x̂_0 to [−1, 1] at every step (the reference's behaviour; on by default).
    /// </summary>
    public static ISampler Create(string name, double eta = 0, bool largeVariance = false, bool clipDenoised = true)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        if (eta != 0 && key != "ddim")
            throw new ArgumentException($"eta applies only to the ddim sampler, not to '{name}'; drop --eta or use --sampler ddim.", nameof(eta));
        if (largeVariance && key != "ddpm")
            throw new ArgumentException($"The large posterior variance applies only to the ddpm sampler, not to '{name}'.", nameof(largeVariance));
        return key switch
        {
            "ddpm" => new DdpmSampler(largeVariance, clipDenoised),
            "ddim" => new DdimSampler(eta, clipDenoised),
            "dpm-solver++" => new DpmSolverPlusPlusSampler(clipDenoised),
            "unipc" => new UniPcSampler(clipDenoised),
            _ => throw new ArgumentException($"Unknown sampler '{name}'; use one of: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
