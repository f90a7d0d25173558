using TorchSharp;

namespace SharpDiffusion.Evaluation;

public readonly record struct PrecisionRecallResult(double Precision, double Recall, int K);

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

    private static double Share(bool[] flags) => flags.Count(f => f) / (double)flags.Length;
}
