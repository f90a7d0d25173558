using SharpDiffusion.Evaluation.Inception;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// TensorBoard scalars of one evaluation: <c>eval/&lt;protocol tag&gt;/&lt;metric&gt;</c>, so each protocol is its own
/// curve and the Fréchet distance is named by its feature space (<c>fid</c> only for the Inception, else e.g. <c>fd-resnet18</c>).
/// </summary>
public static class EvaluationTags
{
    public static IReadOnlyList<(string Tag, double Value)> Scalars(EvaluationEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var protocol = CurveProtocol.Of(entry);
        var prefix = $"eval/{protocol.Tag}/";
        var frechet = protocol.ExtractorName == InceptionFidExtractor.ExtractorName ? "fid" : "fd-" + protocol.Tag.Split('_')[0];
        var inceptionScore = entry.IsLogits == InceptionLogitsKinds.BiasedName ? "is_biased" : "is";
        return new[]
            {
                (frechet, entry.Fd), (inceptionScore, entry.IsMean), ("kid", entry.KidMean), ("precision", entry.Precision), ("recall", entry.Recall),
                ("memorization_share", entry.MemorizationShare), ("memorization_ratio_share", entry.MemorizationRatioShare),
                ("memorization_normalized_distance_median", entry.MemorizationNormalizedDistanceMedian), ("psnr", entry.ReconstructionPsnr), ("ssim", entry.ReconstructionSsim),
            }
            .Where(s => s.Item2 is double)
            .Select(s => (prefix + s.Item1, s.Item2!.Value))
            .ToList();
    }
}
