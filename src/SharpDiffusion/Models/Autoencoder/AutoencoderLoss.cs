using SharpDiffusion.Config;
using SharpDiffusion.Models.Perceptual;
using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models.Autoencoder;

/// <summary>The terms of one batch's autoencoder loss (0-dim tensors), for the log and for tests.</summary>
/// <param name="Total">PixelAndPerceptual + w_KL · Kl.</param>
/// <param name="PixelAndPerceptual">Reconstruction + w_p · Perceptual: LDM's nll_loss, the L_rec of the adaptive weight.</param>
public sealed record AutoencoderLossTerms(Tensor Total, Tensor PixelAndPerceptual, Tensor Reconstruction, Tensor Perceptual, Tensor Kl);

/// <summary>
/// LDM's first-stage loss without the adversarial term (<see cref="AdversarialLoss"/>; Rombach et al. 2022, App. G; CompVis LPIPSWithDiscriminator with a fixed
/// log-variance of 0), divided by the pixel count C·H·W so that it reads per pixel (Adam is invariant to that scale):
/// L = mean_pixels ρ(x − x̂) + w_p · mean_batch d(x, x̂) + w_KL · mean_batch KL(q(z|x) ‖ N(0, I)) / (C·H·W),
/// with ρ = |·| (l1) or (·)² (l2) and d the ResNet-18 feature distance (<see cref="PerceptualDistance"/>).
/// </summary>
public sealed class AutoencoderLoss(AutoencoderConfig config, PerceptualDistance? perceptual)
{
    /// <param name="images">x [B, C, H, W] in [−1, 1].</param>
    /// <param name="reconstruction">x̂ = Decode(z), z drawn from <paramref name="posterior"/>.</param>
    public AutoencoderLossTerms Compute(Tensor images, Tensor reconstruction, DiagonalGaussian posterior)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(reconstruction);
        ArgumentNullException.ThrowIfNull(posterior);
        var difference = images - reconstruction;
        var pixel = config.Reconstruction == ReconstructionLoss.L1 ? difference.abs().mean() : difference.square().mean();
        long pixelsPerImage = images.shape[1] * images.shape[2] * images.shape[3];
        using var pixels = pixelsPerImage.ToScalar();
        var kl = posterior.KlToStandardNormal().mean().div(pixels);
        var feature = perceptual is not null && config.PerceptualWeight > 0
            ? perceptual.Distance(images, reconstruction).mean()
            : zeros([], images.dtype, images.device);
        using var perceptualWeight = config.PerceptualWeight.ToScalar();
        using var klWeight = config.KlWeight.ToScalar();
        var pixelAndPerceptual = pixel.Plus(feature.mul(perceptualWeight));
        var total = pixelAndPerceptual.Plus(kl.mul(klWeight));
        return new AutoencoderLossTerms(total, pixelAndPerceptual, pixel, feature, kl);
    }
}
