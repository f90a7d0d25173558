using SharpDiffusion.Config;
using SharpDiffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

/// <summary>The blur conditioning augmentation against the Gaussian written out by hand.</summary>
public sealed class GaussianBlurTests
{
    // The normalised sampled Gaussian at offsets −r…r, written independently of the code.
    private static double[] Weights(double sigma, int radius)
    {
        var w = Enumerable.Range(-radius, 2 * radius + 1).Select(i => Math.Exp(-i * i / (2 * sigma * sigma))).ToArray();
        double sum = w.Sum();
        return w.Select(v => v / sum).ToArray();
    }

    [Fact]
    public void Apply_DeltaImage_GivesTheOuterProductOfTheGaussianWeights()
    {
        const int radius = 3, size = 9, centre = 4;
        const double sigma = 0.8;
        using var delta = zeros(1, 1, size, size);
        delta[0, 0, centre, centre] = tensor(1f);

        using var blurred = GaussianBlur.Apply(delta, tensor(new[] { (float)sigma }), radius);

        var g = Weights(sigma, radius);
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            int dy = y - centre, dx = x - centre;
            double expected = Math.Abs(dy) <= radius && Math.Abs(dx) <= radius ? g[dy + radius] * g[dx + radius] : 0;
            Assert.Equal(expected, blurred[0, 0, y, x].item<float>(), 1e-6);
        }
        Assert.Equal(1.0, blurred.sum().item<float>(), 1e-5); // no mass lost: the delta is far from the edges
    }

    [Fact]
    public void Apply_SigmaZero_IsTheIdentity_AndEachImageGetsItsOwnSigma()
    {
        using var generator = new Generator(11);
        using var images = rand([2, 3, 8, 8], generator: generator).mul(2).sub(1);

        using var blurred = GaussianBlur.Apply(images, tensor(new[] { 0f, 1f }), GaussianBlur.Radius(1));

        Assert.True(blurred[0].eq(images[0]).all().item<bool>(), "σ = 0 must leave the image unchanged");
        Assert.False(blurred[1].allclose(images[1], 0, 1e-3));
        Assert.Equal(images[1].mean().item<float>(), blurred[1].mean().item<float>(), 0.05); // a blur keeps the mean, up to edge effects
    }

    [Fact]
    public void Apply_ConstantImage_StaysConstantAtTheEdges()
    {
        using var constant = full([1, 1, 4, 4], 0.3f);
        using var blurred = GaussianBlur.Apply(constant, tensor(new[] { 2f }), GaussianBlur.Radius(2));
        Assert.True(blurred.allclose(constant, 0, 1e-6));
    }

    [Fact]
    public void ForTraining_BlurWithoutNoise_ConditionIsTheDownscaleBlurredWithTheDrawnSigmas()
    {
        // augmentation_max 0: the noise term vanishes (ᾱ(0) = 1), so the condition is the blurred downscale alone.
        var config = new SuperResolutionConfig { InputSize = 8, AugmentationMax = 0, BlurSigmaMax = 0.6 };
        var augmentation = new NoiseConditioningAugmentation(config, 16);
        using var images = rand([3, 3, 16, 16], generator: new Generator(2)).mul(2).sub(1);

        var (_, condition) = augmentation.ForTraining(images, new Generator(7));

        // The same draws in the documented order: the levels (B), then the blur σ (B).
        var replay = new Generator(7);
        using var levels = rand([3], generator: replay);
        using var sigmas = rand([3], generator: replay).mul(0.6);
        using var expected = GaussianBlur.Apply(augmentation.Downscale(images), sigmas, GaussianBlur.Radius(0.6));
        Assert.True(condition.LowResolution!.allclose(expected, 0, 1e-5));
        Assert.False(condition.LowResolution!.allclose(augmentation.Downscale(images), 0, 1e-3)); // it did blur
    }

    [Fact]
    public void Validate_BlurSigmaMaxNegative_NamesTheKey()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null,
            ["data.image_size=16", """model.super_resolution={"input_size": 8, "blur_sigma_max": -1}"""]));
        Assert.Contains("model.super_resolution.blur_sigma_max", error.Message, StringComparison.Ordinal);
    }
}
