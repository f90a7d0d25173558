using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SharpDiffusion.Evaluation;
using SkiaSharp;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>Loads the 63 MB model once for all tests of <see cref="ExtractorResNet18OnnxTests"/>.</summary>
public sealed class ExtractorResNet18OnnxFixture : IDisposable
{
    public ResNet18OnnxExtractor Extractor { get; } = new();

    public void Dispose() => Extractor.Dispose();
}

/// <summary>Runs the real ImageNet ResNet-18 from the NuGet package on a handful of drawn 64×64 images.</summary>
public sealed class ExtractorResNet18OnnxTests(ExtractorResNet18OnnxFixture fixture) : IClassFixture<ExtractorResNet18OnnxFixture>
{
    private readonly ResNet18OnnxExtractor _extractor = fixture.Extractor;

    [Fact]
    public void Extract_SameImagesTwice_GivesIdentical512DimensionalFeatures()
    {
        using var images = Shapes(Shape.Circle, count: 2, seed: 1);

        var (first, logits) = _extractor.Extract(images);
        var (second, _) = _extractor.Extract(images);

        Assert.Equal("resnet18", _extractor.Name);
        Assert.False(_extractor.HasLogits);
        Assert.Null(logits);
        Assert.Equal([2L, 512L], first.shape);
        Assert.True(first.eq(second).all().item<bool>());
        Assert.True(first.isfinite().all().item<bool>());
        Assert.True(first.min().item<float>() >= 0f, "pooled post-ReLU features are non-negative");
        first.Dispose();
        second.Dispose();
    }

    [Fact]
    public void Extract_BatchOfOneImageRepeated_GivesEqualRowsAndOrderDoesNotMatter()
    {
        using var scope = torch.NewDisposeScope();
        var two = Shapes(Shape.Square, count: 2, seed: 2);
        var repeated = torch.cat([two.narrow(0, 0, 1), two.narrow(0, 0, 1)], 0);
        var swapped = torch.cat([two.narrow(0, 1, 1), two.narrow(0, 0, 1)], 0);

        var (repeatedFeatures, _) = _extractor.Extract(repeated);
        var (features, _) = _extractor.Extract(two);
        var (swappedFeatures, _) = _extractor.Extract(swapped);

        Assert.True(repeatedFeatures[0].eq(repeatedFeatures[1]).all().item<bool>());
        Assert.True(features[0].eq(swappedFeatures[1]).all().item<bool>());
        Assert.True(features[1].eq(swappedFeatures[0]).all().item<bool>());
        Assert.True((features[0] - features[1]).abs().max().item<float>() > 1e-3f, "different images must give different features");
    }

    [Fact]
    public void Extract_BatchedRuns_EqualPerImageRunsOfTheUnmodifiedModelFiles()
    {
        // The reference is the extractor as it was before batching (commit 1c6d12b): the package's two graphs
        // opened unchanged with default session options and run one image at a time. 11 images make one full call
        // of ImagesPerRun = 8 and a partial one of 3.
        using var images = torch.cat([Shapes(Shape.Circle, count: 6, seed: 3), Shapes(Shape.Square, count: 5, seed: 4)], 0);

        var (features, _) = _extractor.Extract(images);
        var reference = PerImageReference(ResNet18OnnxExtractor.ResizedPixels(images), count: 11);

        using (features)
        using (var expected = torch.tensor(reference, [11, 512]))
        {
            var scale = expected.abs().max().item<float>();
            var error = (features - expected).abs().max().item<float>();
            Assert.True(scale > 0.1f, $"features of real images are not all near zero (max {scale})");
            Assert.True(error <= 1e-5f * scale, $"max |batched - per-image| = {error:E2}, max |per-image| = {scale:F3}");
        }
    }

    [Fact]
    public void FrechetDistance_OnResNetFeatures_SeparatesShapeKinds()
    {
        // Two independent sets of circles should be far closer in FD-ResNet18 than circles are to squares.
        using var scope = torch.NewDisposeScope();
        var (circlesA, _) = FeatureExtraction.ExtractAll(_extractor, Shapes(Shape.Circle, count: 6, seed: 10), batchSize: 4);
        var (circlesB, _) = FeatureExtraction.ExtractAll(_extractor, Shapes(Shape.Circle, count: 6, seed: 20), batchSize: 4);
        var (squares, _) = FeatureExtraction.ExtractAll(_extractor, Shapes(Shape.Square, count: 6, seed: 30), batchSize: 4);

        var a = FeatureStatistics.FromFeatures(circlesA, _extractor.Name);
        var b = FeatureStatistics.FromFeatures(circlesB, _extractor.Name);
        var c = FeatureStatistics.FromFeatures(squares, _extractor.Name);
        var sameKind = FrechetDistance.Compute(a, b);
        var otherKind = FrechetDistance.Compute(a, c);

        Assert.True(otherKind > 2.0 * sameKind, $"FD circles/circles {sameKind:F3}, circles/squares {otherKind:F3}");
    }

    [Fact]
    public void Constructor_MissingModelFolder_SaysToRestoreThePackage()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-models-{Guid.NewGuid():N}");

        var error = Assert.Throws<FileNotFoundException>(() => new ResNet18OnnxExtractor(missing));

        Assert.Contains("Microsoft.ML.DnnImageFeaturizer.ResNet18", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Extract_GrayscaleImages_ThrowsWithShape()
    {
        using var gray = torch.zeros([1, 1, 64, 64], torch.uint8);

        Assert.Throws<ArgumentException>(() => _extractor.Extract(gray));
    }

    private static float[] PerImageReference(float[] pixels, int count)
    {
        const int imageLength = 3 * ResNet18OnnxExtractor.InputSize * ResNet18OnnxExtractor.InputSize;
        var directory = ResNet18OnnxExtractor.DefaultModelDirectory;
        using var preprocess = new InferenceSession(Path.Combine(directory, ResNet18OnnxExtractor.PreprocessFile));
        using var network = new InferenceSession(Path.Combine(directory, ResNet18OnnxExtractor.NetworkFile));
        var features = new List<float>();
        for (var i = 0; i < count; i++)
        {
            var image = new DenseTensor<float>(pixels.AsMemory(i * imageLength, imageLength), [1, 3, ResNet18OnnxExtractor.InputSize, ResNet18OnnxExtractor.InputSize]);
            using var prepared = preprocess.Run([NamedOnnxValue.CreateFromTensor(preprocess.InputMetadata.Keys.Single(), image)]);
            using var output = network.Run([NamedOnnxValue.CreateFromTensor(network.InputMetadata.Keys.Single(), prepared[0].AsTensor<float>())]);
            features.AddRange(output[0].AsTensor<float>());
        }

        return [.. features];
    }

    private enum Shape
    {
        Circle,
        Square,
    }

    /// <summary>Filled shapes of random colour, size and position on a light background, as uint8 [N, 3, 64, 64].</summary>
    private static torch.Tensor Shapes(Shape shape, int count, int seed)
    {
        const int size = 64;
        var random = new Random(seed);
        var data = new byte[count * 3 * size * size];
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        for (var n = 0; n < count; n++)
        {
            canvas.Clear(new SKColor(235, 235, 235));
            paint.Color = new SKColor((byte)random.Next(0, 160), (byte)random.Next(0, 160), (byte)random.Next(0, 160));
            var half = random.Next(12, 20);
            var cx = random.Next(half + 2, size - half - 2);
            var cy = random.Next(half + 2, size - half - 2);
            if (shape == Shape.Circle)
            {
                canvas.DrawCircle(cx, cy, half, paint);
            }
            else
            {
                canvas.DrawRect(cx - half, cy - half, 2 * half, 2 * half, paint);
            }

            canvas.Flush();
            var rgba = bitmap.GetPixelSpan();
            for (var c = 0; c < 3; c++)
            {
                for (var p = 0; p < size * size; p++)
                {
                    data[(((n * 3) + c) * size * size) + p] = rgba[(p * 4) + c];
                }
            }
        }

        return torch.tensor(data, [count, 3, size, size]);
    }
}
