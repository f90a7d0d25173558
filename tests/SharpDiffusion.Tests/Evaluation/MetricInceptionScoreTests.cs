using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public class MetricInceptionScoreTests
{
    [Fact]
    public void Compute_UniformLogits_IsOne()
    {
        using var logits = torch.zeros(100, 1000);

        var result = InceptionScore.Compute(logits);

        Assert.Equal(1.0, result.Mean, 1e-12);
        Assert.Equal(0.0, result.Std, 1e-12);
        Assert.Equal(10, result.Splits);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(10)]
    public void Compute_ConfidentAndBalancedOverNClasses_IsN(int classes)
    {
        // Each split of 10 · classes rows holds every class equally often, each predicted with certainty.
        const int k = 20;
        var n = 10 * 10 * classes;
        var values = new float[n * k];
        for (var i = 0; i < n; i++)
        {
            values[(i * k) + (i % classes)] = 200.0f;
        }

        using var logits = torch.tensor(values, [n, k]);

        var result = InceptionScore.Compute(logits);

        Assert.Equal(classes, result.Mean, 1e-9);
        Assert.Equal(0.0, result.Std, 1e-9);
    }

    [Fact]
    public void Compute_OneSplitTwoSamples_MatchesHandValue()
    {
        // p₁ = (1, 0), p₂ = (½, ½) → p(y) = (¾, ¼); KL₁ = ln(4/3), KL₂ = ½ln(2/3) + ½ln 2 = ½ln(4/3);
        // IS = exp(¾ ln(4/3)) = (4/3)^¾.
        using var logits = torch.tensor(new double[] { 0, -1000, 0, 0 }, [2, 2]);

        var result = InceptionScore.Compute(logits, splits: 1);

        Assert.Equal(Math.Pow(4.0 / 3.0, 0.75), result.Mean, 1e-12);
    }

    [Fact]
    public void Compute_FewerRowsThanSplits_Throws()
    {
        using var logits = torch.zeros(5, 3);

        Assert.Throws<ArgumentException>(() => InceptionScore.Compute(logits));
    }
}
