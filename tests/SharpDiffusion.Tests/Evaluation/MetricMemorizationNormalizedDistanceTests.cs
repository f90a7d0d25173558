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

    [Fact]
    public void CheckpointMetrics_Memorization_CarriesTheDistributionIntoTheEntryCsvAndTags()
    {
        // 1×1×2 "images" are 2-D points (pixels / 255; ℓ is scale-free): the training points above shifted by (12, 12),
        // generated the shifted origin (ℓ = 8/29 against all 4) and a copy of (15, 16) (ℓ = 0).
        using var real = torch.tensor(new byte[] { 12, 13, 15, 16, 6, 20, 17, 0 }, [4, 1, 1, 2]);
        using var generated = torch.tensor(new byte[] { 12, 12, 15, 16 }, [2, 1, 1, 2]);
        using var realFeatures = Memorization.PixelVectors(real);
        using var generatedFeatures = Memorization.PixelVectors(generated);

        var entry = CheckpointMetrics.Compute(new MetricInputs("test", realFeatures, generatedFeatures, null, real, generated), [EvaluationMetricNames.Memorization], seed: 0).Entry;

        Assert.Equal(0.0, entry.MemorizationNormalizedDistanceMinimum);
        Assert.Equal(0.01 * 8 / 29, entry.MemorizationNormalizedDistancePercentile1!.Value, 1e-12);
        Assert.Equal(0.05 * 8 / 29, entry.MemorizationNormalizedDistancePercentile5!.Value, 1e-12);
        Assert.Equal(4.0 / 29, entry.MemorizationNormalizedDistanceMedian!.Value, 1e-12);
        Assert.Equal(4, entry.MemorizationNormalizedDistanceNeighbors);
        Assert.Equal(0.5, entry.MemorizationNormalizedDistanceAlpha);

        var log = new EvaluationLog(_dir);
        log.Add(entry with { Step = 7, SettingsKey = "k" });
        var lines = File.ReadAllLines(log.CsvPath);
        var row = lines[0].Split(',').Zip(lines[1].Split(',')).ToDictionary(p => p.First, p => p.Second);
        Assert.Equal("0", row["memorization_normalized_distance_minimum"]);
        Assert.Equal(4.0 / 29, double.Parse(row["memorization_normalized_distance_median"], System.Globalization.CultureInfo.InvariantCulture), 1e-12);
        Assert.Equal("4", row["memorization_normalized_distance_neighbors"]);
        Assert.Equal("0.5", row["memorization_normalized_distance_alpha"]);
        Assert.Equal(4.0 / 29, log.Read().Single().MemorizationNormalizedDistanceMedian!.Value, 1e-12);

        var tag = Assert.Single(EvaluationTags.Scalars(entry), s => s.Tag.EndsWith("/memorization_normalized_distance_median", StringComparison.Ordinal));
        Assert.Equal(4.0 / 29, tag.Value, 1e-12);
    }

    [Fact]
    public void SettingsKey_WithMemorization_MarksTheNormalizedDistance()
    {
        // Entries written before the distance existed (key ";memorization=nn-ratio") are measured again, not reused.
        var protocol = new EvaluationProtocol(2500, [EvaluationMetricNames.Memorization], "ddim", 250, 0, 0, 64);

        Assert.Equal("n=2500;metrics=memorization;extractor=resnet18;sampler=ddim;steps=250;guidance=0;seed=0;data=abc;memorization=nn-ratio+normalized-distance",
            protocol.SettingsKey("resnet18", "abc"));
    }
}
