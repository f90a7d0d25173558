namespace SharpDiffusion.Reporting;

/// <summary>A metric value at a training step.</summary>
public readonly record struct MetricPoint(int Step, double Value);

/// <summary>The two curves the study compares; FID is better when lower, IS when higher.</summary>
public enum Metric
{
    Fid,
    InceptionScore,
}

public static class Metrics
{
    public static bool LowerIsBetter(Metric metric) => metric == Metric.Fid;

    public static string Label(Metric metric) => metric == Metric.Fid ? "FID" : "Inception Score";

    /// <summary>
    /// The metric's points in step order. When a step was evaluated more than once (e.g. with another sampler),
    /// the entry that comes last in the file wins, as the newest evaluation.
    /// </summary>
    public static IReadOnlyList<MetricPoint> Series(EvaluationResults? results, Metric metric)
    {
        if (results is null) return [];
        var byStep = new SortedDictionary<int, double>();
        foreach (var e in results.Entries)
            if ((metric == Metric.Fid ? e.Fid : e.IsMean) is double v) byStep[e.Step] = v;
        return byStep.Select(kv => new MetricPoint(kv.Key, kv.Value)).ToList();
    }

    /// <summary>The best point (min FID, max IS); ties go to the earliest step. Null when there are no points.</summary>
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
