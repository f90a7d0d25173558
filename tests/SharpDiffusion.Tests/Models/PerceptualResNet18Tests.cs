using SharpDiffusion.Data;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Models.Perceptual;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

/// <summary>Loads the ONNX graphs once (ONNX Runtime for the reference, the TorchSharp network under test).</summary>
public sealed class PerceptualResNet18Fixture : IDisposable
{
    public ResNet18OnnxExtractor Extractor { get; } = new();
    public ImageNetResNet18 Network { get; } = new();

    public void Dispose()
    {
        Extractor.Dispose();
        Network.Dispose();
    }
}

public sealed class PerceptualResNet18Tests(PerceptualResNet18Fixture fixture) : IClassFixture<PerceptualResNet18Fixture>
{
    private static Tensor ShapesUint8(int count, int size)
    {
        using var data = DatasetLoader.Load(new SharpDiffusion.Config.DataConfig { ImageSize = size, SyntheticCount = count, Channels = 3 }, cacheDir: null, out _, seed: 5);
        return data.Images.clone();
    }

    [Fact]
    public void Forward_SameImagesAsTheOnnxExtractor_GivesItsFeatures()
    {
        // Reference: ONNX Runtime running the package's two graphs unchanged (the evaluation's FD-ResNet18 features). Both
        // compute in float32 with different convolution algorithms and summation orders through 21 layers, and the network here
        // folds BatchNorm into a scale and shift. Measured on these images (2026-12-01): max |Δ| = 1.1e-5 against a largest
        // feature of 14.8 (7.8e-7 relative); feeding RGB instead of BGR moves them by 2.8 (0.19). The tolerance, 1e-5 of the
        // largest feature, is 13× the measured difference and 19,000× below the channel-order mistake.
        using var images = ShapesUint8(4, 32);
        var (expected, _) = fixture.Extractor.Extract(images);
        using var pixels = tensor(ResNet18OnnxExtractor.ResizedPixels(images), [4, 3, 224, 224]);

        using var actual = fixture.Network.call(pixels);

        Assert.Equal(expected.shape, actual.shape);
        double scale = expected.abs().max().item<float>();
        double difference = (actual - expected).abs().max().item<float>();
        Assert.True(difference <= 1e-5 * scale, $"max |Δ| = {difference} against the largest feature {scale}");
        expected.Dispose();
    }

    [Fact]
    public void Distance_ImageToItself_IsZeroAndToAnotherPositive()
    {
        using var images = ShapesUint8(4, 32);
        using var x = images.to(ScalarType.Float32) / 127.5 - 1;
        var distance = new PerceptualDistance(fixture.Network);

        using var same = distance.Distance(x, x);
        using var other = distance.Distance(x, x.roll(1, 0));

        Assert.True(same.abs().max().item<float>() < 1e-6);
        Assert.True(other.min().item<float>() > 0.01);
        // The mean over blocks of squared distances of unit vectors is at most 4.
        Assert.True(other.max().item<float>() <= 4);
    }

    [Fact]
    public void Distance_GradientReachesTheInput()
    {
        using var images = ShapesUint8(2, 32);
        using var x = (images.to(ScalarType.Float32) / 127.5 - 1).requires_grad_(true);
        using var target = x.detach().flip(3);
        var distance = new PerceptualDistance(fixture.Network);

        using var d = distance.Distance(x, target).sum();
        d.backward();

        Assert.True(x.grad!.isfinite().all().item<bool>());
        Assert.True(x.grad.abs().sum().item<float>() > 0);
        Assert.All(fixture.Network.parameters(), p => Assert.False(p.requires_grad));
    }
}
