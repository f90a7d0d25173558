using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>Which quantity a <see cref="Prediction"/> holds natively.</summary>
public enum PredictionKind
{
    /// <summary>ε̂, the noise in x_t = √ᾱ·x₀ + √(1−ᾱ)·ε.</summary>
    Noise,
    /// <summary>x̂₀ = D(x; σ), the denoised sample.</summary>
    Data,
}

/// <summary>
/// What a <see cref="Denoiser"/> returns: its model's prediction at (x, level) in the form the model produced it, and the
/// other form on request, by x_t = √ᾱ·x̂₀ + √(1−ᾱ)·ε̂ (Ho et al. 2020, eq. 4). Holding the native form means an x̂₀-model's
/// output reaches the sampler without the round trip through ε̂ that cancels two terms of size 1/√ᾱ in float32.
/// </summary>
/// <param name="X">The denoiser's input x in variance-preserving units (x_t = √ᾱ·x_σ).</param>
public sealed record Prediction(PredictionKind Kind, Tensor Value, Tensor X, Diffusion.NoiseLevel Level)
{
    /// <summary>x̂₀, clipped to [−1, 1] on request (static thresholding).</summary>
    public Tensor Denoised(bool clip)
    {
        if (Kind == PredictionKind.Noise) return SamplerSteps.PredictX0(X, Value, Level.AlphaBar, clip);
        return clip ? Value.clamp(Scaled.MinusOne, Scaled.One) : Value.alias();
    }

    /// <summary>ε̂.</summary>
    public Tensor Noise() => Kind == PredictionKind.Noise ? Value.alias() : SamplerSteps.EpsFromX0(X, Value, Level.AlphaBar);

    /// <summary>The same prediction in x's dtype.</summary>
    public Prediction InDtypeOf(Tensor x) => this with { Value = Value.to(x.dtype) };

    /// <summary>
    /// (1 + w)·toward − w·away, the extrapolation of classifier-free guidance (w ≥ 0) and autoguidance (w + 1 there). Both are
    /// affine in the prediction at a fixed x with weights summing to 1, so combining ε̂'s or x̂₀'s is the same guidance; it is
    /// done in the native form when both share it, otherwise on x̂₀ (unclipped).
    /// </summary>
    public static Prediction Extrapolate(Prediction toward, Prediction away, double w)
    {
        ArgumentNullException.ThrowIfNull(toward);
        ArgumentNullException.ThrowIfNull(away);
        if (toward.Kind == away.Kind)
            return toward with { Value = Scaled.By(toward.Value, 1 + w) - Scaled.By(away.Value, w) };
        return new Prediction(PredictionKind.Data, Scaled.By(toward.Denoised(false), 1 + w) - Scaled.By(away.Denoised(false), w), toward.X, toward.Level);
    }
}
