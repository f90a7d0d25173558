using SharpDiffusion.Monitoring;
namespace SharpDiffusion.Reporting;

/// <summary>One row of the ablation table; a null number means "not available" (no log, no evaluation, no resource log).</summary>
public sealed record AblationRow(
    string Run,
    bool IsBaseline,
    IReadOnlyList<ConfigChange> Changes,
    BestValue? BestFd,
    BestValue? BestIs,
    int? FinalStep,
    double? FinalLoss,
    double? TrainingSeconds,
    double? ImagesPerSecond,
    ColumnSummary? RssMib,
    ColumnSummary? GpuMemoryMib,
    ColumnSummary? GpuUtilPercent);

/// <summary>A run's best value of a metric, with the curve (metric name and protocol) it was read from.</summary>
public sealed record BestValue(MetricPoint Point, MetricSeries Series);

/// <summary>
/// The ablation table: each run against the first (the baseline) — what its config changes, its best Fréchet distance
/// and best IS with their steps (often different checkpoints) and protocols, final loss, training time, throughput and memory.
/// A run evaluated under several protocols is summarised by its main curve (<see cref="Metrics.Main"/>).
/// </summary>
public static class AblationTable
{
    public static IReadOnlyList<AblationRow> Build(IReadOnlyList<ReportRun> runs)
    {
        if (runs.Count == 0) return [];
        var baseline = runs[0];
        return runs.Select((run, i) =>
        {
            var last = run.Log.Count > 0 ? run.Log[^1] : null;
            return new AblationRow(
                run.Name,
                i == 0,
                i == 0 ? [] : ConfigDiff.Between(baseline.Config, run.Config),
                Best(run, Metric.FrechetDistance),
                Best(run, Metric.InceptionScore),
                last?.Step,
                last?.Loss,
                last?.ElapsedSeconds,
                Median(run.Log.Select(r => r.ImagesPerSecond)),
                run.Resources?.RssMiB,
                run.Resources?.GpuMemoryMiB,
                run.Resources?.GpuUtilPercent);
        }).ToList();
    }

    private static BestValue? Best(ReportRun run, Metric metric) =>
        Metrics.Main(run.Series(metric)) is MetricSeries main && Metrics.Best(main.Points, metric) is MetricPoint best ? new BestValue(best, main) : null;

    /// <summary>The median of the per-interval throughputs: robust to the slow first interval and to sampling pauses.</summary>
    internal static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0) return null;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
