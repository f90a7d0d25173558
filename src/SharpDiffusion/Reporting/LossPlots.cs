using SharpDiffusion.Training;

namespace SharpDiffusion.Reporting;

/// <summary>How loss curves are drawn.</summary>
/// <param name="LogScale">Logarithmic loss axis.</param>
/// <param name="Smoothing">Weight of the debiased EMA (0 = none; TensorBoard's default is 0.6).</param>
public sealed record LossPlotOptions(bool LogScale = false, double Smoothing = 0.8);

/// <summary>Loss versus step: one run (raw and smoothed), or the smoothed curves of all runs overlaid.</summary>
public static class LossPlots
{
    public static byte[] ForRun(ReportRun run, int colorIndex, LossPlotOptions options)
    {
        var plot = PlotStyle.NewPlot($"Training loss: {run.Name}", "step", YLabel(options));
        var color = PlotStyle.RunColor(colorIndex);
        if (run.Log.Count == 0)
        {
            plot.Add.Annotation($"{run.Name} has no log rows yet (log.csv is empty or missing).");
            return PlotStyle.Png(plot);
        }
        var (steps, raw) = Columns(run.Log);
        var rawLine = AddLine(plot, steps, raw, options, 1.5f, color.WithAlpha(0.45));
        rawLine.LegendText = "loss (mean per log interval)";
        var smooth = AddLine(plot, steps, LossSmoothing.Ema(raw, options.Smoothing), options, 2.5f, color);
        smooth.LegendText = $"EMA-smoothed (weight {options.Smoothing:0.##})";
        Finish(plot, raw, options);
        return PlotStyle.Png(plot);
    }

    public static byte[] Overlay(IReadOnlyList<ReportRun> runs, LossPlotOptions options)
    {
        var plot = PlotStyle.NewPlot("Training loss, all runs (EMA-smoothed)", "step", YLabel(options));
        var all = new List<double>();
        for (int i = 0; i < runs.Count; i++)
        {
            if (runs[i].Log.Count == 0) continue;
            var (steps, raw) = Columns(runs[i].Log);
            var line = AddLine(plot, steps, LossSmoothing.Ema(raw, options.Smoothing), options, 2, PlotStyle.RunColor(i));
            line.LegendText = runs[i].Name;
            all.AddRange(raw);
        }
        if (all.Count == 0) plot.Add.Annotation("none of the runs has log rows yet.");
        else Finish(plot, all, options, legendOutside: true);
        return PlotStyle.Png(plot);
    }

    private static (double[] Steps, double[] Loss) Columns(IReadOnlyList<TrainingLogRow> log) =>
        (log.Select(r => (double)r.Step).ToArray(), log.Select(r => r.Loss).ToArray());

    private static ScottPlot.Plottables.Scatter AddLine(ScottPlot.Plot plot, double[] xs, double[] ys, LossPlotOptions options, float width, ScottPlot.Color color)
    {
        var (x, y) = options.LogScale ? LogScaleAxis.Transform(xs, ys) : (xs, ys);
        var line = plot.Add.ScatterLine(x, y, color);
        line.LineWidth = width;
        return line;
    }

    private static void Finish(ScottPlot.Plot plot, IReadOnlyList<double> values, LossPlotOptions options, bool legendOutside = false)
    {
        if (options.LogScale)
        {
            var positive = values.Where(v => v > 0).Select(Math.Log10).ToList();
            if (positive.Count > 0) LogScaleAxis.Apply(plot, positive.Min(), positive.Max());
        }
        if (legendOutside) plot.ShowLegend(ScottPlot.Edge.Right); // many runs: keep the legend off the curves
        else plot.ShowLegend(ScottPlot.Alignment.UpperRight);
    }

    private static string YLabel(LossPlotOptions options) => options.LogScale ? "loss (log scale)" : "loss";
}
