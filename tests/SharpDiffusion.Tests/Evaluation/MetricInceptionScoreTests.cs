using System.Text.Json;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Evaluation.Inception;
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

        var result = InceptionScore.Compute(logits, shuffleSeed: null);

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

    /// <summary>Fixtures/is_*: tools/standard_metrics_fixture.py with Debian's numpy 1.24 / PyTorch 1.13 (Fixtures/README.md).</summary>
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", name);

    [Theory]
    [InlineData(53)]
    [InlineData(1000)]
    public void Permutation_Seed2020_EqualsNumpyRandomStatePermutation(int n)
    {
        using var expected = NpyFile.Read(Fixture($"is_permutation_{n}.npy"));

        var permutation = NumpyLegacyPermutation.Permutation(InceptionScore.TorchFidelityShuffleSeed, n);

        Assert.Equal(expected.data<double>().Select(v => (int)v), permutation);
    }

    [Theory]
    [InlineData(InceptionLogits.Unbiased, "unbiased")]
    [InlineData(InceptionLogits.Biased, "biased")]
    public void Compute_ClassifierHeadFixture_MatchesTorchFidelityDefinition(InceptionLogits kind, string expectedKey)
    {
        using var pool = NpyFile.Read(Fixture("is_pool.npy"));
        using var weight = NpyFile.Read(Fixture("is_fc_weight.npy"));
        using var bias = NpyFile.Read(Fixture("is_fc_bias.npy"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Fixture("is_expected.json")));

        using var logits = InceptionLogitsKinds.Apply(pool, weight, bias, kind);
        var result = InceptionScore.Compute(logits);

        var reference = expected.RootElement.GetProperty(expectedKey);
        Assert.Equal(reference.GetProperty("mean").GetDouble(), result.Mean, 1e-12);
        Assert.Equal(reference.GetProperty("std").GetDouble(), result.Std, 1e-12);
    }

    [Fact]
    public void Compute_WithoutShuffle_MatchesConsecutiveSplitsOfTheFixture()
    {
        using var pool = NpyFile.Read(Fixture("is_pool.npy"));
        using var weight = NpyFile.Read(Fixture("is_fc_weight.npy"));
        using var bias = NpyFile.Read(Fixture("is_fc_bias.npy"));
        using var expected = JsonDocument.Parse(File.ReadAllText(Fixture("is_expected.json")));

        using var logits = InceptionLogitsKinds.Apply(pool, weight, bias, InceptionLogits.Unbiased);
        var result = InceptionScore.Compute(logits, shuffleSeed: null);

        var reference = expected.RootElement.GetProperty("unbiased_consecutive");
        Assert.Equal(reference.GetProperty("mean").GetDouble(), result.Mean, 1e-12);
        Assert.Equal(reference.GetProperty("std").GetDouble(), result.Std, 1e-12);
    }

    [Fact]
    public void Parse_UnknownLogits_NamesTheChoices()
    {
        var error = Assert.Throws<EvaluationException>(() => InceptionLogitsKinds.Parse("raw"));

        Assert.Contains("unbiased", error.Message);
        Assert.Contains("biased", error.Message);
        Assert.Equal(InceptionLogits.Biased, InceptionLogitsKinds.Parse(" Biased "));
    }

    [Fact]
    public void Compute_FewerRowsThanSplits_Throws()
    {
        using var logits = torch.zeros(5, 3);

        Assert.Throws<ArgumentException>(() => InceptionScore.Compute(logits));
    }
}
