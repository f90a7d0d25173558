using SharpDiffusion.Evaluation;

namespace SharpDiffusion.Tests.Evaluation;

public class CurveProtocolTests
{
    private static EvaluationEntry Entry(string extractor, int n) => new()
    {
        Step = 4000, N = n, Sampler = "ddim", Steps = 250, Guidance = 0, Extractor = extractor, Fd = 12.5, IsMean = 3.0, IsLogits = "unbiased", KidMean = 0.01,
    };

    [Fact]
    public void Of_InceptionIdentityWithWeightsHash_IsNamedFidAndLabelledWithoutTheHash()
    {
        var protocol = CurveProtocol.Of(Entry("inception@0123456789abcdef", 2500));

        Assert.Equal("inception", protocol.ExtractorName);
        Assert.Equal("FID", protocol.FrechetLabel);
        Assert.Equal("inception, n = 2500, ddim 250 steps, guidance 0", protocol.Label);
        Assert.Equal("inception_n2500_ddim250_w0", protocol.Tag);
    }

    [Fact]
    public void Scalars_ResNet18_TagsNameTheFeatureSpaceAndProtocol_NeverFid()
    {
        var scalars = EvaluationTags.Scalars(Entry("resnet18", 16));

        Assert.Equal(
            ["eval/resnet18_n16_ddim250_w0/fd-resnet18", "eval/resnet18_n16_ddim250_w0/is", "eval/resnet18_n16_ddim250_w0/kid"],
            scalars.Select(s => s.Tag));
        Assert.Equal(12.5, scalars[0].Value);
        Assert.DoesNotContain(scalars, s => s.Tag.Contains("fid", StringComparison.Ordinal));
    }

    [Fact]
    public void Scalars_Inception_FrechetTagIsFid_AndBiasedIsIsTaggedSo()
    {
        var scalars = EvaluationTags.Scalars(Entry("inception@0123456789abcdef", 2500) with { IsLogits = "biased" });

        Assert.Equal(["eval/inception_n2500_ddim250_w0/fid", "eval/inception_n2500_ddim250_w0/is_biased", "eval/inception_n2500_ddim250_w0/kid"],
            scalars.Select(s => s.Tag));
    }

    [Fact]
    public void Scalars_RawWeights_TaggedApart_EmaTagsUnchanged()
    {
        var ema = EvaluationTags.Scalars(Entry("resnet18", 500));
        var raw = EvaluationTags.Scalars(Entry("resnet18", 500) with { Weights = "raw" });

        Assert.Equal("eval/resnet18_n500_ddim250_w0/fd-resnet18", ema[0].Tag);
        Assert.Equal("eval/resnet18_n500_ddim250_w0_raw/fd-resnet18", raw[0].Tag);
        Assert.NotEqual(CurveProtocol.Of(Entry("resnet18", 500)), CurveProtocol.Of(Entry("resnet18", 500) with { Weights = "raw" }));
    }
}
