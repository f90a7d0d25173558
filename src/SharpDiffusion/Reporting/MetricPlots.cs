using System.Globalization;

namespace SharpDiffusion.Reporting;

/// <summary>
/// A metric (FID or IS) versus training step, one line per run, each run's best point marked. Runs without that metric
/// are named on the plot instead of failing, so a study can be plotted before or while it is evaluated.
/// </summary>
public static class MetricPlots
{
    public static byte[] Comparison(IReadOnlyList<ReportRun> runs, Metric metric)
    {
        string label = Metrics.Label(metric);
        string better = Metrics.LowerIsBetter(metric) ? "lower is better; ◆ = minimum" : "higher is better; ◆ = maximum";
        var plot = PlotStyle.NewPlot($"{label} versus training step ({better})", "step", label);
        var missing = new List<string>();
        for (int i = 0; i < runs.Count; i++)
        {
            var points = runs[i].Series(metric);
            if (points.Count == 0)
            {
                missing.Add(runs[i].Name);
                continue;
            }
            var color = PlotStyle.RunColor(i);
            var line = plot.Add.Scatter(points.Select(p => (double)p.Step).ToArray(), points.Select(p => p.Value).ToArray(), color);
            line.LineWidth = 2;
            line.MarkerSize = 6;
            line.LegendText = runs[i].Name;
            if (Metrics.Best(points, metric) is MetricPoint best)
            {
                plot.Add.Marker(best.Step, best.Value, ScottPlot.MarkerShape.FilledDiamond, 16, color);
                var text = plot.Add.Text(string.Create(CultureInfo.InvariantCulture, $"{best.Value:G4} @ {best.Step}"), best.Step, best.Value);
                text.LabelFontColor = color;
                text.LabelFontSize = 13;
                text.LabelBold = true;
                text.OffsetY = Metrics.LowerIsBetter(metric) ? 10 : -10;
                text.LabelAlignment = Metrics.LowerIsBetter(metric) ? ScottPlot.Alignment.UpperCenter : ScottPlot.Alignment.LowerCenter;
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
            plot.ShowLegend(ScottPlot.Edge.Right);
            SetLimitsWithRoomForLabels(plot, runs.SelectMany(r => r.Series(metric)).ToList());
        }
        return PlotStyle.Png(plot);
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
