using SharpDiffusion.Monitoring;
using System.Text.Json.Nodes;
using SharpDiffusion.Training;

namespace SharpDiffusion.Reporting;

/// <summary>
/// What the plots and the report know about one run folder: its resolved config, its log, and, when present, its
/// evaluations, resource log and newest sample grid. <see cref="Name"/> is the folder name (configs often share one name).
/// </summary>
public sealed record ReportRun(
    string Name,
    string Root,
    JsonObject Config,
    IReadOnlyList<TrainingLogRow> Log,
    EvaluationResults? Evaluations,
    ResourceSummary? Resources,
    string? LatestSampleGrid,
    int? LatestSampleStep)
{
    public IReadOnlyList<MetricSeries> Series(Metric metric) => Metrics.Series(Evaluations, metric);

    public bool HasEvaluations(Metric metric) => Series(metric).Count > 0;
}

/// <summary>The runs that could be read, in the order given, and one warning per folder skipped or file ignored.</summary>
public sealed record ReportRunSet(IReadOnlyList<ReportRun> Runs, IReadOnlyList<string> Warnings);
