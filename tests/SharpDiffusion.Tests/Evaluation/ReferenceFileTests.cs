using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public sealed class ReferenceFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-reference-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>An extractor of <paramref name="dimension"/>-d features that is never asked to extract.</summary>
    private sealed class Named(int dimension) : IFeatureExtractor
    {
        public string Name => "tiny";
        public int FeatureDim => dimension;
        public bool HasLogits => false;
        public string? LogitsKind => null;
        public (torch.Tensor Features, torch.Tensor? Logits) Extract(torch.Tensor imagesUint8) => throw new NotSupportedException();
        public void Dispose() { }
    }

    [Fact]
    public void LoadFile_FeatureMatrixOfTheExtractorsDimension_IsReturnedAsFeatures()
    {
        var path = Path.Combine(_dir, "ref.npy");
        using (var written = torch.arange(12, dtype: torch.float32).reshape(4, 3)) NpyFile.Write(path, written);

        var (features, statistics) = EvaluationReference.LoadFile(path, new Named(3));

        using (features)
        {
            Assert.Null(statistics);
            Assert.Equal([4L, 3], features!.shape);
            Assert.Equal(11f, features[3, 2].item<float>());
        }
    }

    [Fact]
    public void LoadFile_OtherFeatureDimension_RefusesInOneSentence()
    {
        var path = Path.Combine(_dir, "ref.npy");
        using (var written = torch.zeros(4, 5)) NpyFile.Write(path, written);

        var error = Assert.Throws<EvaluationException>(() => EvaluationReference.LoadFile(path, new Named(3)));

        Assert.Equal($"--reference '{path}' holds an array of shape [4, 5] but tiny features are [N ≥ 2, 3]; write it with ddpm features --extractor tiny.", error.Message);
    }
}
