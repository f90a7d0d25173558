using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>One generated sample and the training sample nearest to it.</summary>
public readonly record struct NearestTrainingPair(int GeneratedIndex, int TrainingIndex, double Distance);

/// <summary>Nearest-training-neighbour distances of generated samples and the share that counts as memorised.</summary>
public sealed class MemorizationResult
{
    private readonly NearestTrainingPair[] _pairs;

    internal MemorizationResult(NearestTrainingPair[] pairs, double threshold, double quantile)
    {
        _pairs = pairs;
        Threshold = threshold;
        Quantile = quantile;
        ShareBelowThreshold = pairs.Count(p => p.Distance < threshold) / (double)pairs.Length;
    }

    /// <summary>The <see cref="Quantile"/>-quantile of held-out real → training nearest-neighbour distances.</summary>
    public double Threshold { get; }

    public double Quantile { get; }

    /// <summary>Share of generated samples strictly closer to a training sample than <see cref="Threshold"/>.</summary>
    public double ShareBelowThreshold { get; }

    /// <summary>One entry per generated sample, in generated order.</summary>
    public IReadOnlyList<NearestTrainingPair> Pairs => _pairs;

    /// <summary>The <paramref name="count"/> closest pairs, closest first (for a "generated | nearest training" grid).</summary>
    public IReadOnlyList<NearestTrainingPair> Closest(int count) =>
        _pairs.OrderBy(p => p.Distance).ThenBy(p => p.GeneratedIndex).Take(count).ToArray();
}

/// <summary>
/// Memorisation check: for each generated sample, its nearest training sample (in feature or pixel space). A generated
/// sample is flagged when it is closer to the training set than all but a small quantile of genuinely new real images
/// (held-out real → training distances), the calibration used in data-copying tests (cf. Meehan et al. 2020,
/// "A non-parametric test to detect data-copying in generative models"; Carlini et al. 2023, "Extracting training
/// data from diffusion models").
/// </summary>
public static class Memorization
{
    public const double DefaultQuantile = 0.05;

    private static readonly Scalar PixelMax = 255.0.ToScalar(); // held: see Scaled

    /// <summary>All three inputs are [N, D] in the same space; use <see cref="PixelVectors"/> for pixel space.</summary>
    public static MemorizationResult Compute(torch.Tensor generated, torch.Tensor train, torch.Tensor heldOut, double quantile = DefaultQuantile)
    {
        if (quantile is < 0.0 or > 1.0 || double.IsNaN(quantile))
        {
            throw new ArgumentOutOfRangeException(nameof(quantile), quantile, "The memorisation threshold quantile must lie in [0, 1].");
        }

        using var scope = torch.NewDisposeScope();
        var g = FeatureMatrix.ToFloat64(generated, "generated set");
        var t = FeatureMatrix.ToFloat64(train, "training set");
        var h = FeatureMatrix.ToFloat64(heldOut, "held-out set");
        FeatureMatrix.RequireSameDimension(g, t, "generated samples", "training samples");
        FeatureMatrix.RequireSameDimension(h, t, "held-out samples", "training samples");

        var (heldOutDistance, _) = PairwiseDistances.Nearest(h, t);
        var threshold = LinearQuantile(heldOutDistance, quantile);

        var (distance, index) = PairwiseDistances.Nearest(g, t);
        var pairs = new NearestTrainingPair[distance.Length];
        for (var i = 0; i < pairs.Length; i++)
        {
            pairs[i] = new NearestTrainingPair(i, (int)index[i], distance[i]);
        }

        return new MemorizationResult(pairs, threshold, quantile);
    }

    /// <summary>uint8 images [N, C, H, W] → float64 rows [N, C·H·W] scaled to [0, 1], for pixel-space distances.</summary>
    public static torch.Tensor PixelVectors(torch.Tensor imagesUint8)
    {
        ArgumentNullException.ThrowIfNull(imagesUint8);
        if (imagesUint8.dtype != torch.uint8 || imagesUint8.dim() != 4)
        {
            throw new ArgumentException($"Pixel vectors need uint8 images [N, C, H, W], but got {imagesUint8.dtype} [{string.Join(", ", imagesUint8.shape)}]; pass the decoded image tensor.", nameof(imagesUint8));
        }

        using var scope = torch.NewDisposeScope();
        return (imagesUint8.to(torch.float64).flatten(1) / PixelMax).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The generated [N, D] and training [M, D] matrices of a pixel-space memorisation test as float64 CPU tensors (in the
    /// caller's dispose scope); M ≥ 2, else one sentence naming <paramref name="test"/> (every such test compares the
    /// nearest training image with others).
    /// </summary>
    internal static (torch.Tensor Generated, torch.Tensor Training) GeneratedAndTraining(torch.Tensor generated, torch.Tensor training, string test)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(training);
        if (training.dim() >= 1 && training.shape[0] < 2)
            throw new EvaluationException($"{test} needs at least 2 training images, but the training set has {training.shape[0]}; train on more images or leave memorization out of --metrics.");
        var g = FeatureMatrix.ToFloat64(generated, "generated set");
        var t = FeatureMatrix.ToFloat64(training, "training set", minRows: 2);
        FeatureMatrix.RequireSameDimension(g, t, "generated samples", "training samples");
        return (g, t);
    }

    /// <summary>Quantile with linear interpolation between order statistics (NumPy's default, "type 7").</summary>
    internal static double LinearQuantile(double[] values, double q)
    {
        var sorted = values.Order().ToArray();
        var position = q * (sorted.Length - 1);
        var lower = (int)Math.Floor(position);
        var upper = Math.Min(lower + 1, sorted.Length - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }
}
