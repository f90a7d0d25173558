using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

public sealed class NoiseConditioningAugmentationTests
{
    // ᾱ(s) written out independently of the code: cos²((s + 0.008)/1.008 · π/2) / cos²(0.008/1.008 · π/2).
    private static double AlphaBar(double s) =>
        Math.Pow(Math.Cos((s + 0.008) / 1.008 * Math.PI / 2), 2) / Math.Pow(Math.Cos(0.008 / 1.008 * Math.PI / 2), 2);

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.7)]
    public void ForSampling_AtLevel_HasMeanSqrtAlphaBarYAndVarianceOneMinusAlphaBar(double s)
    {
        const float y = 0.6f;
        using var generator = new Generator(3);
        using var low = full([1, 1, 200, 200], y);
        using var noise = randn([1, 1, 200, 200], generator: generator);
        var condition = NoiseConditioningAugmentation.ForSampling(low, s, noise);
        double mean = condition.LowResolution!.mean().item<float>();
        double variance = condition.LowResolution!.var().item<float>();
        // 40,000 draws: standard errors ≈ 0.005 (mean) and ≈ 0.007·variance.
        Assert.Equal(Math.Sqrt(AlphaBar(s)) * y, mean, 0.02);
        Assert.Equal(1 - AlphaBar(s), variance, 0.03);
        Assert.Equal((float)s, condition.AugmentationLevel![0].item<float>());
    }

    [Fact]
    public void ForSampling_LevelZeroAndOne_AreTheCleanImageAndPureNoise()
    {
        using var low = full([1, 1, 4, 4], 0.5f);
        using var noise = randn([1, 1, 4, 4]);
        Assert.True(NoiseConditioningAugmentation.ForSampling(low, 0, noise).LowResolution!.allclose(low, 0, 1e-6));
        Assert.True(NoiseConditioningAugmentation.ForSampling(low, 1, noise).LowResolution!.allclose(noise, 0, 1e-6));
    }

    [Fact]
    public void ForSampling_LevelOutsideZeroOne_IsRefused()
    {
        using var low = zeros(1, 1, 4, 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseConditioningAugmentation.ForSampling(low, 1.5, low));
    }

    [Fact]
    public void ForTraining_Levels_AreUniformOnZeroToSMax()
    {
        var augmentation = new NoiseConditioningAugmentation(new SuperResolutionConfig { InputSize = 2, AugmentationMax = 0.5 }, 4);
        using var generator = new Generator(5);
        using var images = zeros(4000, 1, 4, 4);
        var (_, condition) = augmentation.ForTraining(images, generator);
        var levels = condition.AugmentationLevel!;
        Assert.True(levels.min().item<float>() >= 0 && levels.max().item<float>() <= 0.5f);
        Assert.Equal(0.25, levels.mean().item<float>(), 0.01); // U[0, ½]: mean ¼, standard error ≈ 0.002
        Assert.Equal(0.5 * 0.5 / 12, levels.var().item<float>(), 0.002); // variance s_max²/12
    }

    [Fact]
    public void ForTraining_NoNoiseAndACrop_GivesTheCropAndTheDataPipelinesDownscaleOfIt()
    {
        var augmentation = new NoiseConditioningAugmentation(new SuperResolutionConfig { InputSize = 8, AugmentationMax = 0, CropSize = 8 }, 16);
        using var generator = new Generator(9);
        using var images = rand([3, 3, 16, 16], generator: generator).mul(2).sub(1);
        var (x0, condition) = augmentation.ForTraining(images, generator);
        Assert.Equal([3L, 3, 8, 8], x0.shape);
        for (int i = 0; i < 3; i++)
        {
            // The crop is a window of its own image at an even offset (aligned with the 2× low-resolution grid).
            bool found = false;
            for (int top = 0; top <= 8 && !found; top += 2)
                for (int left = 0; left <= 8 && !found; left += 2)
                    found = images[i].narrow(1, top, 8).narrow(2, left, 8).equal(x0[i]).all().item<bool>();
            Assert.True(found, $"sample {i} is not an aligned crop of its image");
        }
        using var expected = TensorResampler.Resize(x0, 4, 4);
        Assert.True(condition.LowResolution!.allclose(expected, 0, 1e-6));
        Assert.True(condition.AugmentationLevel!.eq(0).all().item<bool>());
    }
}
