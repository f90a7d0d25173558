using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <param name="PerSide">With <see cref="PrecisionRecall.ComputeEqualSizes"/>: the number of real and of generated samples compared (equal); 0 from <see cref="PrecisionRecall.Compute"/>.</param>
public readonly record struct PrecisionRecallResult(double Precision, double Recall, int K, int PerSide = 0);

/// <summary>
/// Improved precision and recall (Kynkäänniemi et al. 2019, "Improved precision and recall metric for assessing
/// generative models", eqs. 1–3): each sample of a set gets a ball whose radius is the distance to its k-th nearest
/// neighbour in that set; precision is the share of generated samples inside some real ball, recall the share of
/// real samples inside some generated ball. The paper uses k = 3.
/// </summary>
public static class PrecisionRecall
{
    public const int DefaultK = 3;

    public static PrecisionRecallResult Compute(torch.Tensor real, torch.Tensor generated, int k = DefaultK)
    {
        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "The precision/recall neighbourhood size k must be at least 1.");
        }

        using var scope = torch.NewDisposeScope();
        var r = FeatureMatrix.ToFloat64(real, "real feature set", minRows: k + 1);
        var g = FeatureMatrix.ToFloat64(generated, "generated feature set", minRows: k + 1);
        FeatureMatrix.RequireSameDimension(r, g, "real features", "generated features");

        var realRadius = PairwiseDistances.KthNearestWithinSet(r, k);
        var generatedRadius = PairwiseDistances.KthNearestWithinSet(g, k);
        var precision = Share(PairwiseDistances.WithinAnyBall(g, r, realRadius));
        var recall = Share(PairwiseDistances.WithinAnyBall(r, g, generatedRadius));
        return new PrecisionRecallResult(precision, recall, k);
    }

    /// <summary>
    /// Kynkäänniemi et al.'s protocol: equal numbers of real and generated samples (the k-NN ball sizes depend on the set
    /// size, so unequal sets bias precision down and recall up, or the reverse). The larger set is cut to the smaller one's
    /// size n by <see cref="EvenlySpaced"/>, a deterministic subset spread over the whole set (real folders are listed
    /// class by class, so the first n would hold few classes).
    /// </summary>
    public static PrecisionRecallResult ComputeEqualSizes(torch.Tensor real, torch.Tensor generated, int k = DefaultK)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(generated);
        var n = Math.Min(real.shape[0], generated.shape[0]);
        using var scope = torch.NewDisposeScope();
        var r = real.shape[0] > n ? real.index_select(0, torch.tensor(EvenlySpaced(real.shape[0], n))) : real;
        var g = generated.shape[0] > n ? generated.index_select(0, torch.tensor(EvenlySpaced(generated.shape[0], n))) : generated;
        return Compute(r, g, k) with { PerSide = (int)n };
    }

    /// <summary>Row indices ⌊i·total/count⌋ for i = 0 … count−1: count distinct rows spread evenly over 0 … total−1.</summary>
    public static long[] EvenlySpaced(long total, long count)
    {
        if (count < 0 || count > total) throw new ArgumentOutOfRangeException(nameof(count), count, $"Cannot pick {count} of {total} rows.");
        var indices = new long[count];
        for (long i = 0; i < count; i++) indices[i] = checked(i * total) / count;
        return indices;
    }

    private static double Share(bool[] flags) => flags.Count(f => f) / (double)flags.Length;
}
