using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public class MetricKernelInceptionDistanceTests
{
    [Fact]
    public void Compute_TwoPointSetsInOneDimension_MatchesHandValue()
    {
        // d = 1, k(x, y) = (xy + 1)³. X = {0, 1}, Y = {2, 3}, m = 2:
        // Σ_{i≠j} k(xᵢ,xⱼ) = 2·k(0,1) = 2; Σ_{i≠j} k(yᵢ,yⱼ) = 2·k(2,3) = 2·343;
        // Σ k(xᵢ,yⱼ) = 1 + 1 + 27 + 64 = 93 → MMD²_u = 2/2 + 686/2 − 2·93/4 = 297.5.
        using var x = torch.tensor(new double[] { 0, 1 }, [2, 1]);
        using var y = torch.tensor(new double[] { 2, 3 }, [2, 1]);

        var result = KernelInceptionDistance.Compute(x, y, subsets: 3);

        Assert.Equal(297.5, result.Mean, 1e-9);
        Assert.Equal(0.0, result.Std, 1e-9);
        Assert.Equal(2, result.SubsetSize);
    }

    [Fact]
    public void Compute_SubsetSizeAboveSmallerSet_IsCappedAtSmallerSet()
    {
        using var x = torch.randn(7, 4, generator: new torch.Generator(1));
        using var y = torch.randn(5, 4, generator: new torch.Generator(2));

        var result = KernelInceptionDistance.Compute(x, y, subsets: 4, maxSubsetSize: 1000);

        Assert.Equal(5, result.SubsetSize);
        Assert.Equal(4, result.Subsets);
    }

    [Fact]
    public void Compute_SameDistribution_IsNearZeroAndShiftedDistributionIsNot()
    {
        // The estimator is unbiased, so for two samples of one distribution its mean over subsets is ≈ 0;
        // a mean shift of 1 in every one of 8 dimensions makes the population MMD² clearly positive.
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(3);
        var x = torch.randn([400, 8], torch.float64, generator: generator);
        var y = torch.randn([400, 8], torch.float64, generator: generator);

        var same = KernelInceptionDistance.Compute(x, y, subsets: 20, maxSubsetSize: 200, seed: 5);
        var shifted = KernelInceptionDistance.Compute(x, y + 1.0, subsets: 20, maxSubsetSize: 200, seed: 5);

        Assert.True(Math.Abs(same.Mean) < 0.05, $"KID of same distribution {same.Mean}");
        Assert.True(shifted.Mean > 1.0, $"KID of shifted distribution {shifted.Mean}");
    }

    [Fact]
    public void Compute_SameSeed_IsReproducible()
    {
        using var x = torch.randn(50, 3, generator: new torch.Generator(1));
        using var y = torch.randn(60, 3, generator: new torch.Generator(2));

        var a = KernelInceptionDistance.Compute(x, y, subsets: 5, maxSubsetSize: 20, seed: 9);
        var b = KernelInceptionDistance.Compute(x, y, subsets: 5, maxSubsetSize: 20, seed: 9);

        Assert.Equal(a, b);
    }
}
