namespace SharpDiffusion.Diffusion;

/// <summary>
/// One noise level, in the two forms the code needs: σ of x_σ = x₀ + σ·n (Karras et al. 2022, the samplers' and EDM's
/// coordinate), and ᾱ of the variance-preserving x_t = √ᾱ·x₀ + √(1−ᾱ)·ε (Ho et al. 2020), with x_t = √ᾱ·x_σ and
/// σ = √((1−ᾱ)/ᾱ). A DDPM table level carries its ᾱ exactly as the schedule computed it (not 1/(1+σ²), which differs in the
/// last bits), so DDPM arithmetic is unchanged; any other level has ᾱ = 1/(1+σ²). What the network is told at a level (a
/// timestep, ln σ/4) is the formulation's business, derived from σ.
/// </summary>
public readonly record struct NoiseLevel(double Sigma, double AlphaBar)
{
    /// <summary>Clean data: σ = 0, ᾱ = 1 (the level after a sampler's last step).</summary>
    public static NoiseLevel Clean { get; } = new(0, 1);

    public bool IsClean => Sigma == 0;

    /// <summary>A level given by ᾱ ∈ (0, 1], carried as given.</summary>
    public static NoiseLevel FromAlphaBar(double alphaBar)
    {
        if (!(alphaBar > 0 && alphaBar <= 1)) throw new ArgumentOutOfRangeException(nameof(alphaBar), alphaBar, "ᾱ must lie in (0, 1].");
        return alphaBar == 1 ? Clean : new(Math.Sqrt((1 - alphaBar) / alphaBar), alphaBar);
    }

    /// <summary>A level given by σ ≥ 0, with ᾱ = 1/(1+σ²).</summary>
    public static NoiseLevel FromSigma(double sigma)
    {
        if (!(sigma >= 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "A noise level σ must be finite and ≥ 0.");
        return new(sigma, 1 / (1 + sigma * sigma));
    }

    public override string ToString() => $"σ = {Sigma:G6} (ᾱ = {AlphaBar:G6})";
}
