using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Features, logits and pixels of one generated set and the real set, for <see cref="CheckpointMetrics.Compute"/>. With a
/// held-out reference (<see cref="EvaluationReference"/>: its features, or only its statistics) FD, KID and
/// precision/recall compare with it instead of the real set; memorisation always compares with the real (training) set.
/// <see cref="FrechetRealFeatures"/>: the real side of the Fréchet distance when it is not <see cref="RealFeatures"/>
/// (<see cref="RealStatistics.DdpTrainer"/>; not with a held-out reference).
/// </summary>
public sealed record MetricInputs(
    string ExtractorName,
    torch.Tensor RealFeatures,
    torch.Tensor GeneratedFeatures,
    torch.Tensor? GeneratedLogits,
    torch.Tensor RealPixels,
    torch.Tensor GeneratedPixels,
    string? LogitsKind = null,
    torch.Tensor? ReferenceFeatures = null,
    FeatureStatistics? ReferenceStatistics = null,
    torch.Tensor? FrechetRealFeatures = null)
{
    /// <summary>What FD, KID and precision/recall compare with, as features; null when the reference is statistics alone.</summary>
    internal torch.Tensor? ComparedFeatures => ReferenceStatistics is null ? ReferenceFeatures ?? RealFeatures : null;
}

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
            var real = inputs.ReferenceStatistics ?? FeatureStatistics.FromFeatures(inputs.ReferenceFeatures ?? inputs.FrechetRealFeatures ?? inputs.RealFeatures, inputs.ExtractorName);
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
            if (inputs.ComparedFeatures is not { } compared)
            {
                notes.Add("kid: not available, the reference is statistics without features (pass a .npy of ddpm features or a folder)");
            }
            else
            {
                var kid = KernelInceptionDistance.Compute(compared, inputs.GeneratedFeatures, seed: seed);
                entry = entry with { KidMean = kid.Mean, KidStd = kid.Std, KidSubsetSize = kid.SubsetSize };
            }
        }

        if (metrics.Contains(EvaluationMetricNames.PrecisionRecall))
        {
            if (inputs.ComparedFeatures is not { } compared)
            {
                notes.Add("pr: not available, the reference is statistics without features (pass a .npy of ddpm features or a folder)");
            }
            else
            {
                var pr = PrecisionRecall.ComputeEqualSizes(compared, inputs.GeneratedFeatures);
                entry = entry with { Precision = pr.Precision, Recall = pr.Recall, PrecisionRecallPerSide = pr.PerSide };
            }
        }

        if (metrics.Contains(EvaluationMetricNames.Memorization))
        {
            memorization = MemorizationCheck.Compute(inputs.GeneratedFeatures, inputs.RealFeatures);
            using var realPixels = Memorization.PixelVectors(inputs.RealPixels);
            using var generatedPixels = Memorization.PixelVectors(inputs.GeneratedPixels);
            var pixel = MemorizationCheck.Compute(generatedPixels, realPixels);
            var ratio = MemorizationRatio.Compute(generatedPixels, realPixels, seed);
            var normalized = MemorizationNormalizedDistance.Compute(generatedPixels, realPixels);
            entry = entry with
            {
                MemorizationRatioShare = ratio.Share,
                MemorizationRatioLow = ratio.Low,
                MemorizationRatioHigh = ratio.High,
                MemorizationRatioMedian = ratio.MedianRatio,
                MemorizationRatioResamples = ratio.Resamples,
                MemorizationRatioSeed = ratio.Seed,
                MemorizationNormalizedDistanceMinimum = normalized.Minimum,
                MemorizationNormalizedDistancePercentile1 = normalized.Percentile1,
                MemorizationNormalizedDistancePercentile5 = normalized.Percentile5,
                MemorizationNormalizedDistanceMedian = normalized.Median,
                MemorizationNormalizedDistanceNeighbors = normalized.Neighbors,
                MemorizationNormalizedDistanceAlpha = normalized.Alpha,
                MemorizationShare = memorization.ShareBelowThreshold,
                MemorizationThreshold = memorization.Threshold,
                MemorizationPixelShare = pixel.ShareBelowThreshold,
                MemorizationPixelThreshold = pixel.Threshold,
            };
        }

        return new CheckpointMetricValues(entry with { Notes = notes }, memorization);
    }
}
