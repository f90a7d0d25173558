using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Features, logits and pixels of one generated set and the real set, for <see cref="CheckpointMetrics.Compute"/>.
/// <see cref="FrechetRealFeatures"/>: the real side of the Fréchet distance when it is not <see cref="RealFeatures"/>
/// (<see cref="RealStatistics.DdpTrainer"/>); the other metrics always use the real set itself.
/// </summary>
public sealed record MetricInputs(
    string ExtractorName,
    torch.Tensor RealFeatures,
    torch.Tensor GeneratedFeatures,
    torch.Tensor? GeneratedLogits,
    torch.Tensor RealPixels,
    torch.Tensor GeneratedPixels,
    string? LogitsKind = null,
    torch.Tensor? FrechetRealFeatures = null);

/// <summary>The metric values of one checkpoint, and the memorisation pairs for the grid.</summary>
public sealed record CheckpointMetricValues(EvaluationEntry Entry, MemorizationResult? FeatureMemorization);

/// <summary>Computes the requested metrics (names from <see cref="EvaluationMetricNames"/>) on extracted features.</summary>
public static class CheckpointMetrics
{
    public static CheckpointMetricValues Compute(MetricInputs inputs, IReadOnlyList<string> metrics, int seed)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(metrics);
        var entry = new EvaluationEntry { Metrics = metrics, Software = Runtime.SoftwareVersions.Current };
        var notes = new List<string>();
        MemorizationResult? memorization = null;

        if (metrics.Contains(EvaluationMetricNames.Frechet))
        {
            var real = FeatureStatistics.FromFeatures(inputs.FrechetRealFeatures ?? inputs.RealFeatures, inputs.ExtractorName);
            var generated = FeatureStatistics.FromFeatures(inputs.GeneratedFeatures, inputs.ExtractorName);
            entry = entry with { Fd = FrechetDistance.Compute(real, generated), FrechetLabel = FeatureExtractors.FrechetLabel(inputs.ExtractorName) };
        }

        if (metrics.Contains(EvaluationMetricNames.InceptionScore))
        {
            if (inputs.GeneratedLogits is null)
            {
                notes.Add($"is: not available, extractor {inputs.ExtractorName} has no class logits (use --extractor inception)");
            }
            else
            {
                var splits = (int)Math.Min(InceptionScore.DefaultSplits, inputs.GeneratedLogits.shape[0]);
                var score = InceptionScore.Compute(inputs.GeneratedLogits, splits);
                entry = entry with { IsMean = score.Mean, IsStd = score.Std, IsLogits = inputs.LogitsKind };
                if (splits < InceptionScore.DefaultSplits)
                {
                    notes.Add($"is: {splits} splits instead of {InceptionScore.DefaultSplits} (only {splits} samples)");
                }
            }
        }

        if (metrics.Contains(EvaluationMetricNames.Kid))
        {
            var kid = KernelInceptionDistance.Compute(inputs.RealFeatures, inputs.GeneratedFeatures, seed: seed);
            entry = entry with { KidMean = kid.Mean, KidStd = kid.Std, KidSubsetSize = kid.SubsetSize };
        }

        if (metrics.Contains(EvaluationMetricNames.PrecisionRecall))
        {
            var pr = PrecisionRecall.Compute(inputs.RealFeatures, inputs.GeneratedFeatures);
            entry = entry with { Precision = pr.Precision, Recall = pr.Recall };
        }

        if (metrics.Contains(EvaluationMetricNames.Memorization))
        {
            memorization = MemorizationCheck.Compute(inputs.GeneratedFeatures, inputs.RealFeatures);
            using var realPixels = Memorization.PixelVectors(inputs.RealPixels);
            using var generatedPixels = Memorization.PixelVectors(inputs.GeneratedPixels);
            var pixel = MemorizationCheck.Compute(generatedPixels, realPixels);
            entry = entry with
            {
                MemorizationShare = memorization.ShareBelowThreshold,
                MemorizationThreshold = memorization.Threshold,
                MemorizationPixelShare = pixel.ShareBelowThreshold,
                MemorizationPixelThreshold = pixel.Threshold,
            };
        }

        return new CheckpointMetricValues(entry with { Notes = notes }, memorization);
    }
}
