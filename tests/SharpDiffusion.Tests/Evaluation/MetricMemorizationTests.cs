using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public class MetricMemorizationTests
{
    [Fact]
    public void Compute_OneDimensionalPoints_MatchesHandValue()
    {
        // Train {0, 10, 20}. Held-out {1, 2, 3, 4, 5} → NN distances 1..5; the 25% quantile (linear) is 2.
        // Generated {10.5, 4, 19, 30}: NN distances 0.5 (train 1), 4 (train 0), 1 (train 2), 10 (train 2);
        // below 2: 10.5 and 19 → share ½.
        using var train = torch.tensor(new double[] { 0, 10, 20 }, [3, 1]);
        using var heldOut = torch.tensor(new double[] { 1, 2, 3, 4, 5 }, [5, 1]);
        using var generated = torch.tensor(new double[] { 10.5, 4, 19, 30 }, [4, 1]);

        var result = Memorization.Compute(generated, train, heldOut, quantile: 0.25);

        Assert.Equal(2.0, result.Threshold, 1e-12);
        Assert.Equal(0.5, result.ShareBelowThreshold, 1e-12);
        Assert.Equal([1, 0, 2, 2], result.Pairs.Select(p => p.TrainingIndex));
        Assert.Equal([0.5, 4.0, 1.0, 10.0], result.Pairs.Select(p => p.Distance));
        var closest = result.Closest(2);
        Assert.Equal(new NearestTrainingPair(0, 1, 0.5), closest[0]);
        Assert.Equal(new NearestTrainingPair(2, 2, 1.0), closest[1]);
    }

    [Fact]
    public void Compute_ExactTrainingCopiesInPixelSpace_AreFlaggedWithTheirSource()
    {
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(11);
        var train = torch.randint(0, 256, [6, 3, 8, 8], generator: generator).to(torch.uint8);
        var heldOut = torch.randint(0, 256, [6, 3, 8, 8], generator: generator).to(torch.uint8);
        // Constant black and white images are farther from uniform noise than noise is from noise (E(x−y)² = ⅓ vs ⅙).
        var novel = torch.cat([torch.zeros([1, 3, 8, 8], torch.uint8), torch.full([1, 3, 8, 8], 255, torch.uint8)], 0);
        var generated = torch.cat([train.narrow(0, 4, 1), novel, train.narrow(0, 1, 1)], 0);

        var result = Memorization.Compute(
            Memorization.PixelVectors(generated), Memorization.PixelVectors(train), Memorization.PixelVectors(heldOut));

        Assert.Equal(0.5, result.ShareBelowThreshold, 1e-12);
        Assert.Equal(4, result.Pairs[0].TrainingIndex);
        Assert.Equal(1, result.Pairs[3].TrainingIndex);
        Assert.True(result.Pairs[0].Distance < 1e-6);
    }

    [Fact]
    public void LinearQuantile_MatchesNumPyDefault()
    {
        // numpy.quantile([4, 1, 3, 2], 0.05) = 1 + 0.05·3·(2 − 1) = 1.15.
        Assert.Equal(1.15, Memorization.LinearQuantile([4, 1, 3, 2], 0.05), 1e-12);
        Assert.Equal(4.0, Memorization.LinearQuantile([4, 1, 3, 2], 1.0), 1e-12);
    }
}
