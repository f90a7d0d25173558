using SharpDiffusion.Evaluation;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>Tiny TorchScript networks written by tools/inception_fixture.py with formula weights, and their PyTorch outputs.</summary>
public sealed class ExtractorTorchScriptTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", name);

    [Fact]
    public void Extract_FeaturesAndLogitsModule_MatchesPyTorch()
    {
        using var extractor = (TorchScriptExtractor)FeatureExtractors.Create("torchscript:" + Fixture("tiny_features_logits.pt"), null, CPU);
        using var input = NpyFile.Read(Fixture("inception_input.npy"));
        using var images = input.round().to(uint8);

        var (features, logits) = extractor.Extract(images);

        Assert.Equal("torchscript:tiny_features_logits.pt", extractor.Name);
        Assert.True(extractor.HasLogits);
        Assert.Equal(8, extractor.FeatureDim);
        using var expectedFeatures = NpyFile.Read(Fixture("tiny_features_logits_features.npy"));
        using var expectedLogits = NpyFile.Read(Fixture("tiny_features_logits_logits.npy"));
        ExtractorInceptionFidTests.AssertClose(expectedFeatures, features, "features");
        ExtractorInceptionFidTests.AssertClose(expectedLogits, logits!, "logits");
        features.Dispose();
        logits!.Dispose();
    }

    [Fact]
    public void Extract_FeaturesOnlyModule_HasNoLogits()
    {
        using var extractor = FeatureExtractors.Create("torchscript:" + Fixture("tiny_features.pt"), null, CPU);
        using var input = NpyFile.Read(Fixture("inception_input.npy"));
        using var images = input.round().to(uint8);

        var (features, logits) = extractor.Extract(images);

        Assert.False(extractor.HasLogits);
        Assert.Null(logits);
        using var expected = NpyFile.Read(Fixture("tiny_features_features.npy"));
        ExtractorInceptionFidTests.AssertClose(expected, features, "features");
        features.Dispose();
    }

    [Fact]
    public void Create_MissingOrNonTorchScriptFile_IsAClearError()
    {
        var missing = Assert.Throws<EvaluationException>(() => FeatureExtractors.Create("torchscript:/nonexistent.pt", null, CPU));
        Assert.Contains("does not exist", missing.Message);
        var notScript = Assert.Throws<EvaluationException>(() => FeatureExtractors.Create("torchscript:" + Fixture("inception_pool3.npy"), null, CPU));
        Assert.Contains("could not be loaded as TorchScript", notScript.Message);
    }
}
