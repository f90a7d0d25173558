namespace SharpDiffusion.Config;

/// <summary>
/// The EDM formulation's constants (Karras et al. 2022, Table 1; diffusion.edm, read only with diffusion.formulation edm).
/// The defaults are the paper's.
/// </summary>
public sealed record EdmConfig
{
    /// <summary>
    /// σ_data, the standard deviation of the data the model denoises: 0.5 for pixels in [−1, 1], 1 for this project's latents
    /// (scaled to unit variance). Null: chosen from the sample space when training starts and written into the run's config.
    /// </summary>
    public double? SigmaData { get; init; }

    /// <summary>P_mean of the training noise levels, ln σ ~ N(P_mean, P_std²).</summary>
    public double PMean { get; init; } = -1.2;

    /// <summary>P_std of the training noise levels.</summary>
    public double PStd { get; init; } = 1.2;

    /// <summary>The smallest σ a sampler visits.</summary>
    public double SigmaMin { get; init; } = 0.002;

    /// <summary>The largest σ a sampler visits (where it starts, x = σ_max·n).</summary>
    public double SigmaMax { get; init; } = 80;

    /// <summary>ρ of the Karras spacing (eq. 5).</summary>
    public double Rho { get; init; } = 7;

    /// <summary>σ_data of pixels in [−1, 1] (a uniform-ish image distribution's spread; EDM's value for every pixel dataset).</summary>
    public const double PixelSigmaData = 0.5;

    /// <summary>σ_data of latents scaled to unit variance (model.latent.scale_factor = 1/std).</summary>
    public const double LatentSigmaData = 1.0;
}
