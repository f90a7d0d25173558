using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public class MetricMemorizationRatioTests
{
    [Fact]
    public void Compute_TrainingImagesThemselves_AreAllMemorised()
    {
        // Each image's nearest training image is itself (distance 0), so its ratio is 0 < 1/3.
        using var scope = torch.NewDisposeScope();
        var train = Memorization.PixelVectors(torch.randint(0, 256, [20, 3, 8, 8], generator: new torch.Generator(3)).to(torch.uint8));

        var result = MemorizationRatio.Compute(train.clone(), train, seed: 0);

        Assert.Equal(1.0, result.Share);
        Assert.All(result.Ratios, r => Assert.Equal(0.0, r));
        Assert.Equal((1.0, 1.0), (result.Low, result.High));
    }

    [Fact]
    public void Compute_HeldOutImagesOfTheSameDistribution_AreAlmostNeverMemorised()
    {
        // Independent uniform-noise images in 192 dimensions: all distances concentrate near the same value, so the
        // nearest is never three times closer than the second-nearest.
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(5);
        var train = Memorization.PixelVectors(torch.randint(0, 256, [200, 3, 8, 8], generator: generator).to(torch.uint8));
        var heldOut = Memorization.PixelVectors(torch.randint(0, 256, [200, 3, 8, 8], generator: generator).to(torch.uint8));

        var result = MemorizationRatio.Compute(heldOut, train, seed: 0);

        Assert.True(result.Share <= 0.01, $"share {result.Share}");
        Assert.InRange(result.MedianRatio, 0.8, 1.0);
    }

    [Fact]
    public void Compute_OneDimensionalPoints_MatchesHandValue()
    {
        // Train {0, 10, 30}. Generated → (NN1, NN2, ratio): 1 → (1, 9, 1/9) ✓; 4 → (4, 6, 2/3); 9 → (1, 9, 1/9) ✓;
        // 29 → (1, 19, 1/19) ✓; 20 → (10, 10, 1); 2.5 → (2.5, 7.5, exactly 1/3, not below) → share 3/6.
        using var train = torch.tensor(new double[] { 0, 10, 30 }, [3, 1]);
        using var generated = torch.tensor(new double[] { 1, 4, 9, 29, 20, 2.5 }, [6, 1]);

        var result = MemorizationRatio.Compute(generated, train, seed: 0);

        Assert.Equal(0.5, result.Share, 1e-12);
        double[] expected = [1.0 / 9, 4.0 / 6, 1.0 / 9, 1.0 / 19, 1.0, 1.0 / 3];
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], result.Ratios[i], 1e-12);
        Assert.Equal((1.0 / 9 + 1.0 / 3) / 2, result.MedianRatio, 1e-12);
    }

    [Fact]
    public void BootstrapInterval_ContainsTheShareAndShrinksWithN()
    {
        // 30% flagged. A binomial share's 95% interval is about ±1.96·√(p(1−p)/n): width 0.180 at n = 100, 0.036 at 2,500.
        static bool[] Flags(int n) => [.. Enumerable.Range(0, n).Select(i => i % 10 < 3)];

        var (low100, high100) = MemorizationRatio.BootstrapInterval(Flags(100), 1000, seed: 7);
        var (low2500, high2500) = MemorizationRatio.BootstrapInterval(Flags(2500), 1000, seed: 7);

        Assert.InRange(0.3, low100, high100);
        Assert.InRange(0.3, low2500, high2500);
        Assert.InRange(high100 - low100, 0.8 * 0.1796, 1.2 * 0.1796);
        Assert.InRange(high2500 - low2500, 0.8 * 0.0359, 1.2 * 0.0359);
        Assert.Equal((low100, high100), MemorizationRatio.BootstrapInterval(Flags(100), 1000, seed: 7));
    }

    [Fact]
    public void Compute_OneTrainingImage_RefusesInOneSentence()
    {
        using var train = torch.zeros(1, 4, dtype: torch.float64);
        using var generated = torch.ones(3, 4, dtype: torch.float64);

        var error = Assert.Throws<EvaluationException>(() => MemorizationRatio.Compute(generated, train, seed: 0));

        Assert.Equal("The nearest/second-nearest memorisation test needs at least 2 training images, but the training set has 1; train on more images or leave memorization out of --metrics.", error.Message);
    }
}
