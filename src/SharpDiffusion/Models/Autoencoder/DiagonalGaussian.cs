using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models.Autoencoder;

/// <summary>
/// q(z|x) = N(μ, diag σ²) from the encoder's moments [B, 2·k, h, w] (μ first, then log σ², clamped to [−30, 20] as in LDM so
/// exp never overflows). Owns its two tensors.
/// </summary>
public sealed class DiagonalGaussian : IDisposable
{
    // held Scalars: see Sampling/Scaled.
    private static readonly Scalar MinLogVariance = (-30.0).ToScalar();
    private static readonly Scalar MaxLogVariance = 20.0.ToScalar();
    private static readonly Scalar Half = 0.5.ToScalar();

    public DiagonalGaussian(Tensor moments)
    {
        ArgumentNullException.ThrowIfNull(moments);
        using var scope = NewDisposeScope();
        var parts = moments.chunk(2, dim: 1);
        Mean = parts[0].MoveToOuterDisposeScope();
        LogVariance = parts[1].clamp(MinLogVariance, MaxLogVariance).MoveToOuterDisposeScope();
    }

    /// <summary>μ [B, k, h, w].</summary>
    public Tensor Mean { get; }

    /// <summary>log σ² [B, k, h, w].</summary>
    public Tensor LogVariance { get; }

    /// <summary>The reparameterised sample z = μ + σ·ε, ε ~ N(0, I) from <paramref name="generator"/> (differentiable in μ and σ).</summary>
    public Tensor Sample(Generator generator)
    {
        using var scope = NewDisposeScope();
        var noise = randn(Mean.shape, Mean.dtype, generator.device, generator: generator).to(Mean.device);
        return Mean.Plus(LogVariance.mul(Half).exp() * noise).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// KL(q ‖ N(0, I)) per sample, summed over latent elements: ½ Σ (μ² + σ² − 1 − log σ²) (Kingma &amp; Welling 2014, App. B). [B].
    /// </summary>
    public Tensor KlToStandardNormal()
    {
        using var scope = NewDisposeScope();
        var perElement = (Mean.square().Plus(LogVariance.exp()).sub(Scaled.One) - LogVariance).mul(Half);
        return perElement.flatten(1).sum(1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Mean.Dispose();
        LogVariance.Dispose();
    }
}
