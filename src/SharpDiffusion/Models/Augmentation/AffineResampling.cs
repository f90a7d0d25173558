using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models.Augmentation;

/// <summary>
/// Applies one affine transform per sample by a single resampling: output pixel p reads the input at G⁻¹·p (centred pixel
/// coordinates, <see cref="AffineMatrices"/>), bilinearly, with the input mirrored at its borders (grid_sample's reflection
/// mode, so a rotated or shrunk image has no black corners).
/// Antialiasing: EDM (training/augment.py) upsamples 2× with a sym6 wavelet filter, samples bilinearly and downsamples 2× with
/// the same filter. This is the simpler equivalent the issue allows, 2×2 supersampling: the output is rendered at twice its
/// side (sub-pixel centres at ±¼ pixel) and box-averaged back, i.e. a box prefilter over each output pixel's footprint, so an
/// image shrunk by up to 2× is averaged rather than aliased (the isotropic scale 2^(0.2·w) shrinks that far only at w = −5,
/// five standard deviations; a stronger shrink aliases mildly). Unlike EDM's filter
/// pair it is not the identity at G⁻¹ = I (it blurs by [⅛, ¾, ⅛] per axis), so the caller resamples only the samples that
/// had a geometric op applied.
/// </summary>
public static class AffineResampling
{
    /// <summary>Sub-samples per output pixel along each axis.</summary>
    public const int Supersampling = 2;

    /// <param name="images">float [B, C, H, W].</param>
    /// <param name="inverse">G⁻¹ per sample, float [B, 3, 3], output → input in centred pixel coordinates.</param>
    public static Tensor Apply(Tensor images, Tensor inverse)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(inverse);
        using var scope = NewDisposeScope();
        long batch = images.shape[0], channels = images.shape[1], height = images.shape[2], width = images.shape[3];
        // affine_grid works in normalised coordinates, where [−1, 1] spans the image (align_corners false): x_n = x · 2/W.
        using var normalisedPerPixelX = (2.0 / width).ToScalar();
        using var normalisedPerPixelY = (2.0 / height).ToScalar();
        using var pixelsPerNormalisedX = (width / 2.0).ToScalar();
        using var pixelsPerNormalisedY = (height / 2.0).ToScalar();
        var toNormalised = AffineMatrices.Scale(full([batch], normalisedPerPixelX, ScalarType.Float32, images.device), full([batch], normalisedPerPixelY, ScalarType.Float32, images.device));
        var toPixels = AffineMatrices.Scale(full([batch], pixelsPerNormalisedX, ScalarType.Float32, images.device), full([batch], pixelsPerNormalisedY, ScalarType.Float32, images.device));
        var theta = toNormalised.matmul(inverse.to(ScalarType.Float32, images.device)).matmul(toPixels).narrow(1, 0, 2);
        var grid = nn.functional.affine_grid(theta, [batch, channels, height * Supersampling, width * Supersampling], align_corners: false);
        var fine = nn.functional.grid_sample(images.to(ScalarType.Float32), grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Reflection, align_corners: false);
        var output = nn.functional.avg_pool2d(fine, Supersampling).to(images.dtype);
        return output.MoveToOuterDisposeScope();
    }
}
