using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public class MetricPrecisionRecallTests
{
    [Fact]
    public void Compute_OneDimensionalPoints_MatchesHandValue()
    {
        // k = 3. Real {0,1,2,3,4}: radii (3rd nearest other point) 3, 2, 2, 2, 3.
        // Generated {2.5, −2.9, 7.5, 10, 11}: 2.5 (near 2, r = 2) and −2.9 (near 0, r = 3) are inside, 7.5 (4 ± 3),
        // 10, 11 are not → precision 2/5.
        // Generated radii: 2.5 → 3rd nearest of {5.4, 5, 7.5, 8.5} = 7.5; −2.9 → {5.4, 10.4, 12.9, 13.9} = 12.9;
        // 7.5 → {5, 10.4, 2.5, 3.5} = 5; 10 → {7.5, 12.9, 2.5, 1} = 7.5; 11 → {8.5, 13.9, 3.5, 1} = 8.5.
        // −2.9's ball [−15.8, 10] covers every real point → recall 1.
        using var real = torch.tensor(new double[] { 0, 1, 2, 3, 4 }, [5, 1]);
        using var generated = torch.tensor(new double[] { 2.5, -2.9, 7.5, 10, 11 }, [5, 1]);

        var result = PrecisionRecall.Compute(real, generated);

        Assert.Equal(0.4, result.Precision, 1e-12);
        Assert.Equal(1.0, result.Recall, 1e-12);
        Assert.Equal(3, result.K);
    }

    [Fact]
    public void Compute_GeneratedCollapsedOntoOneRealPoint_HasFullPrecisionAndLowRecall()
    {
        // Generated = four copies near 0 (radius 0.3), so only the real point 0 is covered: recall 1/5.
        using var real = torch.tensor(new double[] { 0, 1, 2, 3, 4 }, [5, 1]);
        using var generated = torch.tensor(new double[] { 0, 0.1, 0.2, 0.3 }, [4, 1]);

        var result = PrecisionRecall.Compute(real, generated);

        Assert.Equal(1.0, result.Precision, 1e-12);
        Assert.Equal(0.2, result.Recall, 1e-12);
    }

    [Fact]
    public void Compute_IdenticalSets_IsOneAndOne()
    {
        using var x = torch.randn(30, 6, generator: new torch.Generator(4));

        var result = PrecisionRecall.Compute(x, x.clone());

        Assert.Equal(1.0, result.Precision);
        Assert.Equal(1.0, result.Recall);
    }

    [Fact]
    public void Compute_FarApartClusters_IsZeroAndZero()
    {
        using var x = torch.randn(30, 6, generator: new torch.Generator(4));
        using var y = torch.randn(30, 6, generator: new torch.Generator(5)) + 100.0;

        var result = PrecisionRecall.Compute(x, y);

        Assert.Equal(0.0, result.Precision);
        Assert.Equal(0.0, result.Recall);
    }
}
