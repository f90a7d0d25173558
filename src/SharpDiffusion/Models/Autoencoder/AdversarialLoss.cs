using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models.Autoencoder;

/// <summary>
/// The adversarial terms of LDM's first-stage loss (taming-transformers' LPIPSWithDiscriminator): the hinge loss of the
/// discriminator, the generator's term and the adaptive weight that balances it against the reconstruction term.
/// </summary>
public static class AdversarialLoss
{
    /// <summary>The bounds of the adaptive weight before discriminator_weight scales it (taming clamps to [0, 1e4]).</summary>
    public const double MaxAdaptiveWeight = 1e4;

    /// <summary>Keeps the adaptive weight finite when the generator term's gradient vanishes (taming's 1e-4).</summary>
    public const double GradientNormEpsilon = 1e-4;

    // held Scalars: see Sampling/Scaled.
    private static readonly Scalar Half = 0.5.ToScalar();
    private static readonly Scalar Zero = 0.0.ToScalar();
    private static readonly Scalar MaxAdaptiveWeightScalar = MaxAdaptiveWeight.ToScalar();
    private static readonly Scalar GradientNormEpsilonScalar = GradientNormEpsilon.ToScalar();

    /// <summary>The discriminator's hinge loss, L_D = ½ (mean relu(1 − D(x)) + mean relu(1 + D(x̂))) (Lim &amp; Ye 2017; taming's hinge_d_loss).</summary>
    /// <param name="realLogits">D(x), any shape.</param>
    /// <param name="fakeLogits">D(x̂) with x̂ detached from the autoencoder, any shape.</param>
    public static Tensor Discriminator(Tensor realLogits, Tensor fakeLogits)
    {
        ArgumentNullException.ThrowIfNull(realLogits);
        ArgumentNullException.ThrowIfNull(fakeLogits);
        using var scope = NewDisposeScope();
        var real = nn.functional.relu(realLogits.negative().Plus(Scaled.One)).mean();
        var fake = nn.functional.relu(fakeLogits.Plus(Scaled.One)).mean();
        return real.Plus(fake).mul(Half).MoveToOuterDisposeScope();
    }

    /// <summary>The generator's (autoencoder's) adversarial term, L_G = −mean D(x̂).</summary>
    public static Tensor Generator(Tensor fakeLogits)
    {
        ArgumentNullException.ThrowIfNull(fakeLogits);
        return fakeLogits.mean().neg();
    }

    /// <summary>
    /// LDM's adaptive weight (Esser et al. 2021, eq. 7): λ = clamp(‖∇_w L_rec‖ / (‖∇_w L_G‖ + 1e-4), 0, 1e4) · <paramref name="scale"/>,
    /// detached, with w the decoder's last layer. λ·L_G then pulls on w as hard as the reconstruction does (times the scale).
    /// Both graphs are kept, so the caller can still backpropagate the total loss.
    /// </summary>
    /// <param name="reconstructionLoss">L_rec: the pixel and perceptual terms (LDM's nll_loss), 0-dim.</param>
    /// <param name="generatorLoss">L_G, 0-dim.</param>
    /// <param name="lastLayerWeight">w, a leaf both losses depend on.</param>
    /// <param name="scale">discriminator_weight.</param>
    public static Tensor AdaptiveWeight(Tensor reconstructionLoss, Tensor generatorLoss, Tensor lastLayerWeight, double scale)
    {
        ArgumentNullException.ThrowIfNull(reconstructionLoss);
        ArgumentNullException.ThrowIfNull(generatorLoss);
        ArgumentNullException.ThrowIfNull(lastLayerWeight);
        using var scope = NewDisposeScope();
        var reconstructionGradient = autograd.grad([reconstructionLoss], [lastLayerWeight], retain_graph: true)[0];
        var generatorGradient = autograd.grad([generatorLoss], [lastLayerWeight], retain_graph: true)[0];
        var ratio = reconstructionGradient.norm() / generatorGradient.norm().Plus(GradientNormEpsilonScalar);
        return Scaled.By(ratio.clamp(Zero, MaxAdaptiveWeightScalar).detach(), scale).MoveToOuterDisposeScope();
    }
}
