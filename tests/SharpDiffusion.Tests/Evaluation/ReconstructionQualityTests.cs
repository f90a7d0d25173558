using SharpDiffusion.Evaluation;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Evaluation;

public sealed class ReconstructionQualityTests
{
    [Theory]
    [InlineData(0.1, 20.0)]   // 10·log10(1/0.01)
    [InlineData(0.01, 40.0)]
    [InlineData(0.5, 6.0206)] // 10·log10(4)
    public void Psnr_UniformError_IsMinusTwentyLog10OfTheError(double error, double expectedDb)
    {
        using var original = rand(3, 3, 16, 16) * 0.4 + 0.3;
        using var shifted = original + error;
        Assert.Equal(expectedDb, ReconstructionQuality.Psnr(original, shifted), 3);
    }

    [Fact]
    public void Psnr_ExactCopy_IsTheCap() =>
        Assert.Equal(100.0, ReconstructionQuality.Psnr(ones(1, 1, 4, 4), ones(1, 1, 4, 4)), 9);

    [Fact]
    public void Ssim_IdenticalImages_IsOne()
    {
        using var image = rand(2, 3, 32, 32);
        Assert.Equal(1.0, ReconstructionQuality.Ssim(image, image), 10);
    }

    [Fact]
    public void Ssim_TwoConstantImages_IsTheLuminanceTermOfTheClosedForm()
    {
        // Constant a and b: every σ is 0, so SSIM = (2ab + C₁)/(a² + b² + C₁) · C₂/C₂ with C₁ = 0.01².
        const double a = 0.2, b = 0.6, c1 = 1e-4;
        double expected = (2 * a * b + c1) / (a * a + b * b + c1);
        Assert.Equal(expected, ReconstructionQuality.Ssim(full(1, 1, 16, 16, a), full(1, 1, 16, 16, b)), 6);
    }

    [Fact]
    public void Ssim_ImageAgainstItsNegative_IsNegative()
    {
        // y = 1 − x has the same variance and correlation −1 with x: the structure term is −1 wherever x varies.
        using var x = rand(1, 1, 24, 24);
        Assert.True(ReconstructionQuality.Ssim(x, 1 - x) < 0);
    }
}
