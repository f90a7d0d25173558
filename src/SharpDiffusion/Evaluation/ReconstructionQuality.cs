using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Per-image reconstruction quality of images in [0, 1] (float [B, C, H, W]): PSNR and SSIM, each averaged over the images.
/// </summary>
public static class ReconstructionQuality
{
    // held Scalars: see Scaled
    private static readonly Scalar MinusTen = (-10.0).ToScalar();
    private static readonly Scalar Two = 2.ToScalar();
    private static readonly Scalar C1 = (0.01 * 0.01).ToScalar();
    private static readonly Scalar C2 = (0.03 * 0.03).ToScalar();
    private static readonly Scalar IntZero = 0.ToScalar();   // arange's own start and step, held
    private static readonly Scalar IntOne = 1.ToScalar();

    /// <summary>
    /// Mean over images of PSNR = 10·log₁₀(1 / MSE) in dB, MSE over all channels and pixels of the image (peak 1). An image
    /// reconstructed exactly has infinite PSNR; it is capped at <paramref name="capDb"/> so one exact copy cannot make the mean infinite.
    /// </summary>
    public static double Psnr(Tensor original, Tensor reconstruction, double capDb = 100)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(reconstruction);
        using var scope = NewDisposeScope();
        var mse = (original.to(ScalarType.Float64) - reconstruction.to(ScalarType.Float64)).square().flatten(1).mean([1]);
        using var mseFloor = Math.Pow(10, -capDb / 10).ToScalar();
        var psnr = (mse.clamp_min(mseFloor).log10() * MinusTen);
        return psnr.mean().item<double>();
    }

    /// <summary>
    /// Mean SSIM (Wang et al. 2004, eq. 13) with their constants: an 11×11 Gaussian window of σ = 1.5, C₁ = (0.01·L)²,
    /// C₂ = (0.03·L)², L = 1, computed per channel over the valid window positions (no padding), averaged over positions,
    /// channels and images. Images must be at least 11×11.
    /// </summary>
    public static double Ssim(Tensor original, Tensor reconstruction)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(reconstruction);
        const int window = 11;
        if (original.shape[2] < window || original.shape[3] < window)
            throw new ArgumentException($"SSIM needs images of at least {window}×{window} pixels, got {original.shape[2]}×{original.shape[3]}.", nameof(original));
        using var scope = NewDisposeScope();
        var x = original.to(ScalarType.Float64);
        var y = reconstruction.to(ScalarType.Float64);
        long channels = x.shape[1];
        var kernel = GaussianWindow(window, 1.5).expand(channels, 1, window, window).contiguous();
        Tensor Blur(Tensor t) => nn.functional.conv2d(t, kernel, groups: channels);
        var muX = Blur(x);
        var muY = Blur(y);
        var sigmaX = Blur(x * x) - muX * muX;
        var sigmaY = Blur(y * y) - muY * muY;
        var sigmaXy = Blur(x * y) - muX * muY;
        var map = (muX.mul(Two) * muY).Plus(C1) * sigmaXy.mul(Two).Plus(C2) / ((muX * muX).Plus(muY * muY).Plus(C1) * sigmaX.Plus(sigmaY).Plus(C2));
        return map.mean().item<double>();
    }

    private static Tensor GaussianWindow(int size, double sigma)
    {
        using var end = size.ToScalar();
        using var centre = ((size - 1) / 2.0).ToScalar();
        using var denominator = (-2 * sigma * sigma).ToScalar();
        var offsets = arange(IntZero, end, IntOne, ScalarType.Float64) - centre;
        var g = (offsets.square() / denominator).exp();
        g /= g.sum();
        return g.outer(g).view(1, 1, size, size);
    }
}
