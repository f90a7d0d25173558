using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models;

/// <summary>
/// A separable Gaussian blur with its own σ per image: the blur conditioning augmentation of a super-resolution stage's
/// low-resolution input (Ho et al. 2021, CDM §3), applied in training only.
/// </summary>
public static class GaussianBlur
{
    // held Scalars: see Sampling/Scaled.
    private static readonly Scalar VarianceFloor = 1e-30.ToScalar();
    private static readonly Scalar IntOne = 1.ToScalar();
    private static readonly Scalar IntTwo = 2.ToScalar();

    /// <summary>The kernel radius for a largest σ of <paramref name="sigmaMax"/> pixels: ⌈3σ⌉, at least 1 (0.27% of the mass lies beyond 3σ).</summary>
    public static int Radius(double sigmaMax) => Math.Max(1, (int)Math.Ceiling(3 * sigmaMax));

    /// <summary>
    /// Normalised 1-D weights, float [B, 2r + 1]: w_b(i) ∝ exp(−i²/(2σ_b²)) at offsets i = −r…r. σ = 0 is the unit impulse
    /// (the identity), since every i ≠ 0 then has weight exp(−∞) = 0.
    /// </summary>
    public static Tensor Kernels(Tensor sigmas, int radius)
    {
        ArgumentNullException.ThrowIfNull(sigmas);
        ArgumentOutOfRangeException.ThrowIfLessThan(radius, 1);
        using var scope = NewDisposeScope();
        // The three-Scalar arange: the shorter overloads make their step (1) as a temporary inside TorchSharp.
        using var first = (-radius).ToScalar();
        using var end = (radius + 1).ToScalar();
        var offsets = arange(first, end, IntOne, ScalarType.Float64, sigmas.device).unsqueeze(0);
        // σ² floored far below any σ in use: i²/(2σ²) is then huge for i ≠ 0 and exactly 0 for i = 0, also at σ = 0.
        var variance = sigmas.to(ScalarType.Float64).square().clamp_min(VarianceFloor).unsqueeze(1);
        var weights = offsets.square().neg().div(variance.mul(IntTwo)).exp();
        return weights.div(weights.sum(1, keepdim: true)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Blurs image b of <paramref name="images"/> (float [B, C, h, w]) with σ_b of <paramref name="sigmas"/> (float [B], pixels):
    /// rows then columns, edges replicated (so a constant image stays constant and the size is kept).
    /// </summary>
    public static Tensor Apply(Tensor images, Tensor sigmas, int radius)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(sigmas);
        if (images.dim() != 4 || sigmas.dim() != 1 || sigmas.shape[0] != images.shape[0])
            throw new ArgumentException($"expected images [B, C, h, w] and one σ per image, got [{string.Join(", ", images.shape)}] and [{string.Join(", ", sigmas.shape)}]");
        using var scope = NewDisposeScope();
        long batch = images.shape[0], channels = images.shape[1], height = images.shape[2], width = images.shape[3];
        long groups = batch * channels, size = 2L * radius + 1;
        // One kernel per (image, channel): a grouped convolution over the batch folded into the channel axis.
        var kernels = Kernels(sigmas.to(images.device), radius).to(images.dtype).repeat_interleave(channels, 0);
        var x = images.reshape(1, groups, height, width);
        x = BlockAlignedConvolution.Conv2d(nn.functional.pad(x, [0, 0, radius, radius], PaddingModes.Replicate), kernels.view(groups, 1, size, 1), null, [1, 1], [0, 0], [1, 1], groups);
        x = BlockAlignedConvolution.Conv2d(nn.functional.pad(x, [radius, radius, 0, 0], PaddingModes.Replicate), kernels.view(groups, 1, 1, size), null, [1, 1], [0, 0], [1, 1], groups);
        return x.reshape(batch, channels, height, width).MoveToOuterDisposeScope();
    }
}
