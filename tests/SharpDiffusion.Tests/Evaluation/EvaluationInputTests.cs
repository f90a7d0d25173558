using SharpDiffusion.Data;
using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>Image folders and precomputed files as inputs of features/fid/eval, and the bad inputs the issue lists.</summary>
public sealed class EvaluationInputTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"sd-evalinput-{Guid.NewGuid():N}");

    public EvaluationInputTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Folder(string name)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(path);
        return path;
    }

    private static void Png(string path, int channels, int height, int width, byte value)
    {
        using var image = torch.full([channels, height, width], value, torch.uint8);
        ImageCodec.SavePng(image, path);
    }

    [Fact]
    public void Load_RgbAndGrayscaleFiles_GivesRgbTensorWithExactPixels()
    {
        var folder = Folder("mixed-channels");
        Png(Path.Combine(folder, "a.png"), 3, 4, 6, 200);
        Png(Path.Combine(folder, "b.png"), 1, 4, 6, 77);

        using var images = ImageFolderImages.Load(folder);

        Assert.Equal([2L, 3L, 4L, 6L], images.shape);
        Assert.True(images[0].eq(200).all().item<bool>());
        Assert.True(images[1].eq(77).all().item<bool>(), "a grayscale file becomes R = G = B");
    }

    [Fact]
    public void Load_OneImage_SaysAtLeastTwoAreNeeded()
    {
        var folder = Folder("one");
        Png(Path.Combine(folder, "a.png"), 3, 4, 4, 1);

        var error = Assert.Throws<EvaluationException>(() => ImageFolderImages.Load(folder));
        Assert.Contains("at least 2 images", error.Message);
    }

    [Fact]
    public void Load_MixedSizes_NamesBothFilesAndSizes()
    {
        var folder = Folder("sizes");
        Png(Path.Combine(folder, "a.png"), 3, 8, 8, 1);
        Png(Path.Combine(folder, "b.png"), 3, 4, 4, 1);

        var error = Assert.Throws<EvaluationException>(() => ImageFolderImages.Load(folder));
        Assert.Contains("mixed sizes", error.Message);
        Assert.Contains("8×8", error.Message);
        Assert.Contains("4×4", error.Message);
    }

    [Fact]
    public void ExtractAll_GrayscaleTensor_EqualsExtractingTheRepeatedRgbTensor()
    {
        using var extractor = new ChannelMeans();
        using var gray = torch.tensor(new byte[] { 0, 10, 20, 30, 40, 50, 60, 70 }, [2, 1, 2, 2], torch.uint8);
        using var rgb = gray.expand(-1, 3, -1, -1).contiguous();

        var (fromGray, _) = FeatureExtraction.ExtractAll(extractor, gray, batchSize: 1);
        var (fromRgb, _) = FeatureExtraction.ExtractAll(extractor, rgb, batchSize: 1);

        Assert.Equal([15f, 15f, 15f], fromGray[0].data<float>().ToArray());
        Assert.True(fromGray.eq(fromRgb).all().item<bool>());
        fromGray.Dispose();
        fromRgb.Dispose();
    }

    [Fact]
    public void PrecomputedFeatures_NpyWithSidecarAndStatistics_GiveTheSameStatistics()
    {
        using var features = torch.tensor(new float[] { 1, 2, 3, 5, 4, 9 }, [3, 2]);
        var npy = Path.Combine(_dir, "f.npy");
        var stats = Path.Combine(_dir, "f.stats");
        FeatureFile.Save(npy, features, null, new FeatureFileInfo("resnet18", 3, 2, "x", false));
        FeatureStatistics.FromFeatures(features, "resnet18").Save(stats);

        Assert.Equal("resnet18", PrecomputedFeatures.Extractor(npy));
        Assert.Equal("resnet18", PrecomputedFeatures.Extractor(stats));
        var fromNpy = PrecomputedFeatures.Load(npy, assumedExtractor: "inception");
        var fromStats = PrecomputedFeatures.Load(stats, assumedExtractor: "inception");
        Assert.Equal("resnet18", fromNpy.Extractor);
        Assert.Equal(0.0, FrechetDistance.Compute(fromNpy, fromStats), 12);
        Assert.Equal(8.0 / 3.0, fromNpy.Mean(0), 12); // (1 + 3 + 4) / 3
    }

    [Fact]
    public void PrecomputedFeatures_BareNpyTakesTheAssumedExtractor_AndOtherFilesAreRejected()
    {
        using var features = torch.tensor(new float[] { 1, 2, 3, 5 }, [2, 2]);
        var npy = Path.Combine(_dir, "bare.npy");
        NpyFile.Write(npy, features);
        var text = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(text, "hello");

        Assert.Null(PrecomputedFeatures.Extractor(npy));
        Assert.Equal("inception", PrecomputedFeatures.Load(npy, "inception").Extractor);
        var error = Assert.Throws<EvaluationException>(() => PrecomputedFeatures.Load(text, "inception"));
        Assert.Contains("neither an image folder", error.Message);
    }

    [Fact]
    public void FeatureExtractors_UnknownNameOrInceptionWithoutWeights_AreClearErrors()
    {
        var unknown = Assert.Throws<EvaluationException>(() => FeatureExtractors.Create("vgg", null, torch.CPU));
        Assert.Contains("resnet18, inception or torchscript:FILE", unknown.Message);
        var noWeights = Assert.Throws<EvaluationException>(() => FeatureExtractors.Create("inception", null, torch.CPU));
        Assert.Contains("pytorch-fid GitHub release", noWeights.Message);
        Assert.Equal("resnet18", FeatureExtractors.DefaultSpec(null));
        Assert.Equal("inception", FeatureExtractors.DefaultSpec("/some/pt_inception.pth"));
    }

    /// <summary>Feature = per-channel mean of the pixels: easy to predict by hand.</summary>
    private sealed class ChannelMeans : IFeatureExtractor
    {
        public string Name => "channel-means";

        public int FeatureDim => 3;

        public bool HasLogits => false;

        public string? LogitsKind => null;

        public (torch.Tensor Features, torch.Tensor? Logits) Extract(torch.Tensor imagesUint8)
        {
            Assert.Equal(3, imagesUint8.shape[1]);
            return (imagesUint8.to(torch.float32).mean([2L, 3L]), null);
        }

        public void Dispose()
        {
        }
    }
}
