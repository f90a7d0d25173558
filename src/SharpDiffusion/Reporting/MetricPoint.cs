using SharpDiffusion.Evaluation;

namespace SharpDiffusion.Reporting;

/// <summary>A metric value at a training step, with its 95% interval where the metric has one.</summary>
public readonly record struct MetricPoint(int Step, double Value, double? Low = null, double? High = null);

/// <summary>
/// The curves the study compares: the Fréchet distance (lower is better), the Inception Score (higher), the share of
/// samples memorised by the nearest/second-nearest test (lower; reported by its maximum over checkpoints), and the median
/// of Carlini et al.'s normalised distance ℓ (lower is closer to copying; reported by its minimum over checkpoints).
/// </summary>
public enum Metric
{
    FrechetDistance,
    InceptionScore,
    MemorizationRatio,
    MemorizationNormalizedDistance,
}

/// <summary>
/// One curve: the points of one metric measured under one protocol. For IS the logits are part of the protocol
/// (an IS over biased logits is another number than over unbiased ones; older entries did not record them).
/// </summary>
public sealed record MetricSeries(Metric Metric, CurveProtocol Protocol, string? IsLogits, IReadOnlyList<MetricPoint> Points)
{
    /// <summary>What the values are called: "FID", "FD-ResNet18", …, "Inception Score" or the memorised share.</summary>
    public string MetricLabel => Metric switch
    {
        Metric.FrechetDistance => Protocol.FrechetLabel,
        Metric.InceptionScore => Metrics.InceptionScoreLabel,
        Metric.MemorizationNormalizedDistance => Metrics.MemorizationNormalizedDistanceLabel,
        _ => Metrics.MemorizationRatioLabel,
    };

    /// <summary>The protocol in words, with the IS logits when they matter.</summary>
    public string ProtocolLabel => Metric == Metric.InceptionScore
        ? $"{Protocol.Label}, {(IsLogits is null ? "logits not recorded" : IsLogits + " logits")}"
        : Protocol.Label;
}

public static class Metrics
{
    public const string InceptionScoreLabel = "Inception Score";

    /// <summary>The papers' memorisation test (<see cref="SharpDiffusion.Evaluation.MemorizationRatio"/>), named by its space and cut.</summary>
    public const string MemorizationRatioLabel = "memorised share (NN1/NN2 < 1/3)";

    /// <summary>The median of Carlini et al.'s ℓ (<see cref="SharpDiffusion.Evaluation.MemorizationNormalizedDistance"/>).</summary>
    public const string MemorizationNormalizedDistanceLabel = "median normalised distance ℓ (Carlini et al.)";

    /// <summary>Lower is better for FD and the memorised share; a higher ℓ is further from copying.</summary>
    public static bool LowerIsBetter(Metric metric) => metric is Metric.FrechetDistance or Metric.MemorizationRatio;

    /// <summary>Whether a curve's highlighted point is its minimum (FD's best, ℓ's closest approach to copying).</summary>
    public static bool HighlightsMinimum(Metric metric) => metric is Metric.FrechetDistance or Metric.MemorizationNormalizedDistance;

    /// <summary>
    /// The metric's curves, one per protocol in the order each protocol first appears, each in step order. When one
    /// step was evaluated more than once under the same protocol, the entry that comes last in the file wins, as the
    /// newest evaluation; an evaluation under another protocol (say a quick --n 16) is another curve and replaces nothing.
    /// </summary>
    public static IReadOnlyList<MetricSeries> Series(EvaluationResults? results, Metric metric)
    {
        if (results is null) return [];
        var curves = new List<(CurveProtocol Protocol, string? Logits, SortedDictionary<int, MetricPoint> ByStep)>();
        foreach (var e in results.Entries)
        {
            var value = metric switch
            {
                Metric.FrechetDistance => e.Fd,
                Metric.InceptionScore => e.IsMean,
                Metric.MemorizationNormalizedDistance => e.MemorizationNormalizedDistanceMedian,
                _ => e.MemorizationRatioShare,
            };
            if (value is not double v) continue;
            var protocol = e.Protocol(results.Extractor);
            // Memorisation is always measured against the training images: a --reference changes FD, KID and P/R, not this curve.
            if (metric is Metric.MemorizationRatio or Metric.MemorizationNormalizedDistance) protocol = protocol with { Reference = null };
            var logits = metric == Metric.InceptionScore ? e.IsLogits : null;
            var index = curves.FindIndex(c => c.Protocol == protocol && c.Logits == logits);
            if (index < 0)
            {
                curves.Add((protocol, logits, new SortedDictionary<int, MetricPoint>()));
                index = curves.Count - 1;
            }
            curves[index].ByStep[e.Step] = metric == Metric.MemorizationRatio ? new MetricPoint(e.Step, v, e.MemorizationRatioLow, e.MemorizationRatioHigh) : new MetricPoint(e.Step, v);
        }
        return curves.Select(c => new MetricSeries(metric, c.Protocol, c.Logits, c.ByStep.Values.ToList())).ToList();
    }

    /// <summary>
    /// The curve a run is summarised by: the protocol with the most evaluated checkpoints, then the most samples,
    /// then the one evaluated last. Null when the run has none.
    /// </summary>
    public static MetricSeries? Main(IReadOnlyList<MetricSeries> series) =>
        series.Select((s, i) => (s, i)).OrderByDescending(x => x.s.Points.Count).ThenByDescending(x => x.s.Protocol.N ?? 0).ThenByDescending(x => x.i)
            .Select(x => x.s).FirstOrDefault();

    /// <summary>
    /// The point a curve is summarised by: the best for FD and IS (<see cref="Best"/>), the maximum for the memorised
    /// share and the minimum for ℓ (memorisation is reported by its worst checkpoint). Ties go to the earliest step; null without points.
    /// </summary>
    public static MetricPoint? Highlight(IReadOnlyList<MetricPoint> points, Metric metric) => metric switch
    {
        Metric.MemorizationRatio => Maximum(points),
        Metric.MemorizationNormalizedDistance => Minimum(points),
        _ => Best(points, metric),
    };

    /// <summary>The smallest value; ties go to the earliest step. Null when there are no points.</summary>
    public static MetricPoint? Minimum(IReadOnlyList<MetricPoint> points) =>
        points.OrderBy(p => p.Step).Aggregate((MetricPoint?)null, (min, p) => min is MetricPoint m && m.Value <= p.Value ? m : p);

    /// <summary>The largest value; ties go to the earliest step. Null when there are no points.</summary>
    public static MetricPoint? Maximum(IReadOnlyList<MetricPoint> points) =>
        points.OrderBy(p => p.Step).Aggregate((MetricPoint?)null, (max, p) => max is MetricPoint m && m.Value >= p.Value ? m : p);

    /// <summary>The best point (min FD, max IS); ties go to the earliest step. Null when there are no points.</summary>
    public static MetricPoint? Best(IReadOnlyList<MetricPoint> points, Metric metric)
    {
        MetricPoint? best = null;
        foreach (var p in points.OrderBy(p => p.Step))
        {
            if (best is not MetricPoint b || (LowerIsBetter(metric) ? p.Value < b.Value : p.Value > b.Value)) best = p;
        }
        return best;
    }
}
