using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public sealed class MetricMemorizationNormalizedDistanceTests : IDisposable
{
    // Training points whose distances from the origin are 1, 5, 10 and 13 (Pythagorean triples).
    private static readonly double[] TrainingPoints = [0, 1, 3, 4, -6, 8, 5, -12];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"sd-knn-{Guid.NewGuid():N}");

    public MetricMemorizationNormalizedDistanceTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Compute_TrainingImagesThemselves_AreAllAtZero()
    {
        // Each image's nearest training image is itself, measured directly: exactly 0, whatever its neighbourhood.
        using var scope = torch.NewDisposeScope();
        var train = Memorization.PixelVectors(torch.randint(0, 256, [20, 3, 8, 8], generator: new torch.Generator(3)).to(torch.uint8));

        var result = MemorizationNormalizedDistance.Compute(train.clone(), train);

        Assert.All(result.Distances, d => Assert.Equal(0.0, d));
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (result.Minimum, result.Percentile1, result.Percentile5, result.Median));
    }

    [Fact]
    public void Compute_TwoDimensionalPoints_MatchesHandValue()
    {
        // Generated (0, 0): distances 1, 5, 10, 13; the n = 3 nearest average 16/3, so ℓ = 1 / (0.5 · 16/3) = 3/8.
        // Generated (3, 4) is the second training point: ℓ = 0. Quantiles of {0, 3/8}: 1% = 0.01 · 3/8, median 3/16.
        using var train = torch.tensor(TrainingPoints, [4, 2]);
        using var generated = torch.tensor(new double[] { 0, 0, 3, 4 }, [2, 2]);

        var result = MemorizationNormalizedDistance.Compute(generated, train, neighbors: 3);

        Assert.Equal(3.0 / 8, result.Distances[0], 1e-12);
        Assert.Equal(0.0, result.Distances[1]);
        Assert.Equal(0.0, result.Minimum);
        Assert.Equal(0.01 * 3 / 8, result.Percentile1, 1e-12);
        Assert.Equal(0.05 * 3 / 8, result.Percentile5, 1e-12);
        Assert.Equal(3.0 / 16, result.Median, 1e-12);
        Assert.Equal((3, 0.5), (result.Neighbors, result.Alpha));
    }

    [Fact]
    public void Compute_FewerTrainingImagesThanTheNeighbourhood_UsesAllAndRecordsHowMany()
    {
        // The paper's n = 50 against 4 training images: S is all four, mean (1 + 5 + 10 + 13)/4 = 29/4, ℓ = 1 / (0.5 · 29/4) = 8/29.
        using var train = torch.tensor(TrainingPoints, [4, 2]);
        using var generated = torch.zeros([1, 2], torch.float64);

        var result = MemorizationNormalizedDistance.Compute(generated, train);

        Assert.Equal(4, result.Neighbors);
        Assert.Equal(8.0 / 29, result.Distances[0], 1e-12);
    }

    [Fact]
    public void Compute_HeldOutNoiseAgainstMoreThanFiftyImages_UsesFiftyAndStaysBelowOneOverAlpha()
    {
        // The nearest distance is at most the mean of the n nearest, so ℓ ≤ 1/α = 2. Independent uniform-noise images in
        // 192 dimensions are all about equally far apart, so a genuinely new image sits near that bound, far from 0.
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(5);
        var train = Memorization.PixelVectors(torch.randint(0, 256, [80, 3, 8, 8], generator: generator).to(torch.uint8));
        var heldOut = Memorization.PixelVectors(torch.randint(0, 256, [30, 3, 8, 8], generator: generator).to(torch.uint8));

        var result = MemorizationNormalizedDistance.Compute(heldOut, train);

        Assert.Equal(50, result.Neighbors);
        Assert.All(result.Distances, d => Assert.InRange(d, 1.5, 2.0));
    }

    [Fact]
    public void Compute_OneTrainingImage_RefusesInOneSentence()
    {
        using var train = torch.zeros(1, 4, dtype: torch.float64);
        using var generated = torch.ones(3, 4, dtype: torch.float64);

        var error = Assert.Throws<EvaluationException>(() => MemorizationNormalizedDistance.Compute(generated, train));

        Assert.Equal("Carlini et al.'s normalised nearest-neighbour distance needs at least 2 training images, but the training set has 1; train on more images or leave memorization out of --metrics.", error.Message);
    }
}
