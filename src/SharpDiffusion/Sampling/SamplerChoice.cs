namespace SharpDiffusion.Sampling;

/// <summary>
/// A sampler as the user picks it (registry name and its options). Whether it clips x̂₀ is not the user's choice but the
/// model family's (<see cref="Models.IDiffusionNetwork.ClipDenoised"/>), so the generator creates it with the model in hand.
/// </summary>
public sealed record SamplerChoice(string Name, double Eta = 0, bool LargeVariance = false, Churn? Churn = null)
{
    public ISampler Create(bool clipDenoised) => Samplers.Create(Name, Eta, LargeVariance, clipDenoised, Churn);

    /// <summary>Whether this sampler clips x̂₀ of a pixel model unless told otherwise.</summary>
    public bool ClipsByDefault => Samplers.Find(Name).ClipsByDefault;
}
