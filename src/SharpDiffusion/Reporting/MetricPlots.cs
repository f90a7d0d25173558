using System.Globalization;

namespace SharpDiffusion.Reporting;

/// <summary>
/// A metric versus training step, one line per run and protocol (colour per run, line pattern per protocol), each
/// line's best point marked. A Fréchet-distance plot holds one feature space (FID, FD-ResNet18, …), named in its title
/// and axis; the legend names each line's protocol. Runs without that metric are named on the plot instead of failing,
/// so a study can be plotted before or while it is evaluated.
/// </summary>
public static class MetricPlots
{
    private static readonly ScottPlot.LinePattern[] Patterns =
        [ScottPlot.LinePattern.Solid, ScottPlot.LinePattern.Dashed, ScottPlot.LinePattern.Dotted, ScottPlot.LinePattern.DenselyDashed];

    /// <summary>The feature spaces the runs' Fréchet distances were measured in ("FID", "FD-ResNet18", …), in order of appearance.</summary>
    public static IReadOnlyList<string> FrechetLabels(IEnumerable<ReportRun> runs) =>
        runs.SelectMany(r => r.Series(Metric.FrechetDistance)).Select(s => s.MetricLabel).Distinct().ToList();

    /// <summary>
    /// The plot of <paramref name="metric"/>; for the Fréchet distance, of the feature space <paramref name="frechetLabel"/>
    /// (null: whatever the runs have, which is then named per line).
    /// </summary>
    public static byte[] Comparison(IReadOnlyList<ReportRun> runs, Metric metric, string? frechetLabel = null)
    {
        var curves = runs.Select(r => r.Series(metric).Where(s => frechetLabel is null || s.MetricLabel == frechetLabel).ToList()).ToList();
        string label = metric switch
        {
            Metric.InceptionScore => Metrics.InceptionScoreLabel,
            Metric.MemorizationRatio => Metrics.MemorizationRatioLabel,
            Metric.MemorizationNormalizedDistance => Metrics.MemorizationNormalizedDistanceLabel,
            _ => frechetLabel ?? "Fréchet distance",
        };
        string better = metric == Metric.MemorizationRatio ? "bars: 95% interval; ◆ = maximum"
            : metric == Metric.MemorizationNormalizedDistance ? "lower is closer to copying; ◆ = minimum"
            : Metrics.LowerIsBetter(metric) ? "lower is better; ◆ = minimum" : "higher is better; ◆ = maximum";
        var plot = PlotStyle.NewPlot($"{label} versus training step ({better})", "step", label);
        var missing = new List<string>();
        for (int i = 0; i < runs.Count; i++)
        {
            if (curves[i].Count == 0)
            {
                missing.Add(runs[i].Name);
                continue;
            }
            var color = PlotStyle.RunColor(i);
            for (int k = 0; k < curves[i].Count; k++)
            {
                var series = curves[i][k];
                var points = series.Points;
                var line = plot.Add.Scatter(points.Select(p => (double)p.Step).ToArray(), points.Select(p => p.Value).ToArray(), color);
                line.LineWidth = 2;
                line.MarkerSize = 6;
                line.LinePattern = Patterns[k % Patterns.Length];
                if (points.Any(p => p.Low is double && p.High is double))
                {
                    var withInterval = points.Where(p => p.Low is double && p.High is double).ToList();
                    var bars = new ScottPlot.Plottables.ErrorBar(withInterval.Select(p => (double)p.Step).ToArray(), withInterval.Select(p => p.Value).ToArray(),
                        null, null, withInterval.Select(p => p.Value - p.Low!.Value).ToArray(), withInterval.Select(p => p.High!.Value - p.Value).ToArray());
                    plot.Add.Plottable(bars);
                    bars.Color = color;
                }
                line.LegendText = frechetLabel is null && metric == Metric.FrechetDistance
                    ? $"{runs[i].Name}: {series.MetricLabel}, {series.ProtocolLabel}"
                    : $"{runs[i].Name}: {series.ProtocolLabel}";
                if (Metrics.Highlight(points, metric) is MetricPoint best) MarkBest(plot, best, metric, color);
            }
        }
        if (missing.Count == runs.Count)
        {
            // Nothing to draw: an empty frame with ±10 ticks would look like data, so show the message alone.
            plot.Axes.Frameless();
            plot.HideGrid();
            plot.Add.Annotation($"No {label} results: none of the runs has evaluation_results.json with {label}. Run `ddpm eval --run DIR` first.",
                ScottPlot.Alignment.MiddleCenter);
        }
        else
        {
            if (missing.Count > 0)
                plot.Add.Annotation($"no {label} results yet: {string.Join(", ", missing)}", ScottPlot.Alignment.LowerLeft);
            plot.ShowLegend(ScottPlot.Edge.Bottom);
            SetLimitsWithRoomForLabels(plot, curves.SelectMany(c => c).SelectMany(s => s.Points)
                .SelectMany(p => new[] { p, p with { Value = p.Low ?? p.Value }, p with { Value = p.High ?? p.Value } }).ToList());
            if (metric == Metric.MemorizationRatio) // a share: from 0, at least 0–5%, so a flat 0 does not look like noise around it
                plot.Axes.SetLimitsY(0, Math.Max(0.05, 1.15 * curves.SelectMany(c => c).SelectMany(s => s.Points).Max(p => p.High ?? p.Value)));
        }
        return PlotStyle.Png(plot);
    }

    private static void MarkBest(ScottPlot.Plot plot, MetricPoint best, Metric metric, ScottPlot.Color color)
    {
        plot.Add.Marker(best.Step, best.Value, ScottPlot.MarkerShape.FilledDiamond, 16, color);
        var text = plot.Add.Text(string.Create(CultureInfo.InvariantCulture, $"{best.Value:G4} @ {best.Step}"), best.Step, best.Value);
        text.LabelFontColor = color;
        text.LabelFontSize = 13;
        text.LabelBold = true;
        bool below = Metrics.HighlightsMinimum(metric); // a maximum's label goes above it
        text.OffsetY = below ? 10 : -10;
        text.LabelAlignment = below ? ScottPlot.Alignment.UpperCenter : ScottPlot.Alignment.LowerCenter;
    }

    /// <summary>Data limits padded by 8% horizontally and 15% vertically, so best-point labels at an edge stay inside.</summary>
    private static void SetLimitsWithRoomForLabels(ScottPlot.Plot plot, IReadOnlyList<MetricPoint> points)
    {
        double x0 = points.Min(p => p.Step), x1 = points.Max(p => p.Step);
        double y0 = points.Min(p => p.Value), y1 = points.Max(p => p.Value);
        double dx = Math.Max(x1 - x0, Math.Max(1, Math.Abs(x0) * 0.1)), dy = Math.Max(y1 - y0, Math.Max(1e-3, Math.Abs(y0) * 0.1));
        plot.Axes.SetLimits(x0 - 0.08 * dx, x1 + 0.08 * dx, y0 - 0.15 * dy, y1 + 0.15 * dy);
    }
}
