using SharpDiffusion.Config;

namespace SharpDiffusion.Diffusion.Formulations;

/// <summary>One formulation as the registry knows it: the name <c>diffusion.formulation</c> takes, a line of help, and how to build it from a config.</summary>
public sealed record FormulationEntry(DiffusionFormulation Kind, string Name, string Help, Func<DiffusionConfig, IFormulation> Create);

/// <summary>The formulation registry: the one place a run's <c>diffusion</c> section becomes an <see cref="IFormulation"/>.</summary>
public static class Formulations
{
    public static IReadOnlyList<FormulationEntry> All { get; } =
    [
        new(DiffusionFormulation.Ddpm, "ddpm", "Ho et al. 2020: a β table of T timesteps, ε/x₀/v objectives", config => new DdpmFormulation(new GaussianDiffusion(config))),
        new(DiffusionFormulation.Edm, "edm", "Karras et al. 2022: continuous σ, preconditioning, log-normal training levels, Heun over Karras σ's",
            config => new EdmFormulation(config.Edm ?? new EdmConfig(), config.Edm?.SigmaData ?? EdmConfig.PixelSigmaData)),
    ];

    /// <summary>
    /// The config with what the formulation decides when training starts filled in: EDM's σ_data from the sample space
    /// (<see cref="EdmConfig.PixelSigmaData"/>, or <see cref="EdmConfig.LatentSigmaData"/> for a latent run) unless given.
    /// </summary>
    public static RunConfig Resolve(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Diffusion.Formulation != DiffusionFormulation.Edm || config.Diffusion.Edm?.SigmaData is not null) return config;
        double sigmaData = config.Model.Latent is null ? EdmConfig.PixelSigmaData : EdmConfig.LatentSigmaData;
        return config with { Diffusion = config.Diffusion with { Edm = (config.Diffusion.Edm ?? new EdmConfig()) with { SigmaData = sigmaData } } };
    }

    /// <summary>The formulation a run's diffusion section describes (files written before formulations existed read as ddpm).</summary>
    public static IFormulation For(DiffusionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var entry = All.FirstOrDefault(f => f.Kind == config.Formulation)
            ?? throw new ArgumentOutOfRangeException(nameof(config), config.Formulation, $"Unknown diffusion.formulation; use {string.Join(" or ", All.Select(f => f.Name))}.");
        return entry.Create(config);
    }
}
