using System.Globalization;
using System.Net;
using System.Text;

namespace SharpDiffusion.Reporting;

/// <summary>
/// The study as one self-contained HTML page: the ablation table, the loss, Fréchet-distance and IS plots and each run's newest sample
/// grid, every image embedded as a base64 <c>data:image/png</c> URI so the file can be mailed or archived alone.
/// </summary>
public static class HtmlReport
{
    public static string Build(IReadOnlyList<ReportRun> runs, LossPlotOptions lossOptions, IReadOnlyList<string> warnings, DateTimeOffset generated)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>SharpDiffusion report</title>\n")
            .Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n")
            .Append("<h1>SharpDiffusion study report</h1>\n")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"meta\">{runs.Count} run(s), generated {generated:yyyy-MM-dd HH:mm} UTC. Baseline: <b>{E(runs.Count > 0 ? runs[0].Name : "none")}</b> (the first run given).</p>\n");
        if (warnings.Count > 0)
        {
            html.Append("<ul class=\"warnings\">\n");
            foreach (string w in warnings) html.Append("<li>").Append(E(w)).Append("</li>\n");
            html.Append("</ul>\n");
        }
        if (runs.Count == 0)
        {
            html.Append("<p>No run folders were found.</p>\n</body>\n</html>\n");
            return html.ToString();
        }

        html.Append("<h2>Ablation table</h2>\n");
        AppendTable(html, AblationTable.Build(runs));

        html.Append("<h2>Evaluation</h2>\n");
        var frechetLabels = MetricPlots.FrechetLabels(runs);
        if (frechetLabels.Count == 0)
            html.Append("<p class=\"note\">No Fréchet distance results in any run: run <code>ddpm eval --run DIR</code> to add them.</p>\n");
        foreach (var label in frechetLabels)
            AppendImage(html, MetricPlots.Comparison(runs, Metric.FrechetDistance, label), $"{label} versus step", "plot");
        if (!runs.Any(r => r.HasEvaluations(Metric.InceptionScore)))
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"note\">No {Metrics.InceptionScoreLabel} results in any run: run <code>ddpm eval --run DIR</code> with the Inception to add them.</p>\n");
        else
            AppendImage(html, MetricPlots.Comparison(runs, Metric.InceptionScore), $"{Metrics.InceptionScoreLabel} versus step", "plot");

        AppendMemorization(html, runs);
        AppendCascades(html, runs);

        html.Append("<h2>Training loss</h2>\n");
        AppendImage(html, LossPlots.Overlay(runs, lossOptions), "loss of all runs", "plot");
        for (int i = 0; i < runs.Count; i++) AppendImage(html, LossPlots.ForRun(runs[i], i, lossOptions), $"loss of {runs[i].Name}", "plot");

        html.Append("<h2>Latest samples</h2>\n<div class=\"grids\">\n");
        foreach (var run in runs)
        {
            html.Append("<figure>");
            if (run.LatestSampleGrid is string grid)
            {
                AppendImage(html, File.ReadAllBytes(grid), $"samples of {run.Name} at step {run.LatestSampleStep}", "grid");
                html.Append(CultureInfo.InvariantCulture, $"<figcaption>{E(run.Name)}, step {run.LatestSampleStep}</figcaption>");
            }
            else
            {
                html.Append(CultureInfo.InvariantCulture, $"<figcaption>{E(run.Name)}: no sample grid yet</figcaption>");
            }
            html.Append("</figure>\n");
        }
        html.Append("</div>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>
    /// The memorised share (nearest/second-nearest test) versus step and each curve's maximum over checkpoints with its
    /// interval; a note when no run has it.
    /// </summary>
    private static void AppendMemorization(StringBuilder html, IReadOnlyList<ReportRun> runs)
    {
        if (!runs.Any(r => r.HasEvaluations(Metric.MemorizationRatio)))
        {
            html.Append("<p class=\"note\">No memorised share (pixel NN1/NN2 &lt; 1/3) in any run: run <code>ddpm eval --run DIR</code> with the memorization metric to add it.</p>\n");
            return;
        }
        AppendImage(html, MetricPlots.Comparison(runs, Metric.MemorizationRatio), $"{Metrics.MemorizationRatioLabel} versus step", "plot");
        html.Append("<p class=\"note\">Memorised: a sample whose pixel distance to its nearest training image is below a third of that to the second-nearest (Yoon et al. 2023; Gu et al. 2023). Maximum over checkpoints, with its bootstrap 95% interval:</p>\n<ul id=\"memorised\">\n");
        foreach (var run in runs)
            foreach (var series in run.Series(Metric.MemorizationRatio))
                if (Metrics.Maximum(series.Points) is MetricPoint max)
                    html.Append("<li>").Append(E(F($"{run.Name}, {series.ProtocolLabel}: {100 * max.Value:F1}%") + (max.Low is double lo && max.High is double hi ? F($" [{100 * lo:F1}%, {100 * hi:F1}%]") : "") + F($" at step {max.Step}"))).Append("</li>\n");
        html.Append("</ul>\n");
        if (!runs.Any(r => r.HasEvaluations(Metric.MemorizationNormalizedDistance))) return;
        AppendImage(html, MetricPlots.Comparison(runs, Metric.MemorizationNormalizedDistance), $"{Metrics.MemorizationNormalizedDistanceLabel} versus step", "plot");
        html.Append("<p class=\"note\">ℓ (Carlini et al. 2023): a sample's pixel distance to its nearest training image over 0.5 × its mean distance to the 50 nearest (all of them in a smaller training set); 0 for a copy, near 2 for a sample no closer to one training image than to its neighbourhood.</p>\n");
    }

    /// <summary>
    /// For each run's cascade evaluations (<c>ddpm eval --upscale</c>), the newest entry of each protocol: its
    /// low | bicubic | super-resolved grid and the protocol of both stages. No section when no run has one.
    /// </summary>
    private static void AppendCascades(StringBuilder html, IReadOnlyList<ReportRun> runs)
    {
        var shown = runs.SelectMany(run => (run.Evaluations?.Entries ?? [])
                .Where(e => e.Upscale is not null && e.UpscaleComparisonGrid is string grid && File.Exists(Path.Combine(run.Root, grid)))
                .GroupBy(e => e.Protocol(run.Evaluations!.Extractor))
                .Select(g => (Run: run, Protocol: g.Key, Entry: g.MaxBy(e => e.Step)!)))
            .ToList();
        if (shown.Count == 0) return;
        html.Append("<h2 id=\"cascade\">Cascade</h2>\n<p class=\"note\">Base samples super-resolved by the upscaler; each row: the low-resolution sample, its bicubic upscale, the super-resolved image. ")
            .Append("Metrics of a cascade are measured at the upscaler's output size against the real images at that size.</p>\n<div class=\"grids\">\n");
        foreach (var (run, protocol, entry) in shown)
        {
            string caption = F($"{run.Name}, step {entry.Step}: {protocol.Label}") + (entry.Fd is double fd ? F($"; {protocol.FrechetLabel} {fd:F2}") : "");
            html.Append("<figure class=\"cascade\">");
            AppendImage(html, File.ReadAllBytes(Path.Combine(run.Root, entry.UpscaleComparisonGrid!)), $"low | bicubic | super-resolved of {run.Name} at step {entry.Step}", "grid");
            html.Append("<figcaption>").Append(E(caption)).Append("</figcaption></figure>\n");
        }
        html.Append("</div>\n");
    }

    private static void AppendTable(StringBuilder html, IReadOnlyList<AblationRow> rows)
    {
        html.Append("<table id=\"ablation\">\n<thead><tr><th>run</th><th>differs from baseline</th><th>best Fréchet distance (step; protocol)</th><th>best IS (step; protocol)</th>")
            .Append("<th>final loss (step)</th><th>training time</th><th>images/s (median)</th><th>peak RSS MiB</th><th>peak GPU MiB</th><th>mean GPU util %</th></tr></thead>\n<tbody>\n");
        foreach (var r in rows)
        {
            string changes = r.IsBaseline ? "<i>baseline</i>"
                : r.Changes.Count == 0 ? "<i>same config</i>"
                : string.Join("<br>", r.Changes.Select(c => $"<code>{E(c.Key)}</code> = {E(c.Value ?? "(absent)")} <span class=\"was\">(was {E(c.Baseline ?? "absent")})</span>"));
            html.Append("<tr class=\"run\">")
                .Append("<td>").Append(E(r.Run)).Append("</td>")
                .Append("<td>").Append(changes).Append("</td>")
                .Append(BestCell(r.BestFd, named: true))
                .Append(BestCell(r.BestIs, named: false))
                .Append(Cell(r.FinalLoss is double l ? F($"{l:F4} ({r.FinalStep})") : null))
                .Append(Cell(r.TrainingSeconds is double t ? Duration(t) : null))
                .Append(Cell(r.ImagesPerSecond is double ips ? F($"{ips:F1}") : null))
                .Append(Cell(r.RssMib?.Peak is double rss ? F($"{rss:F0}") : null))
                .Append(Cell(r.GpuMemoryMib?.Peak is double mem ? F($"{mem:F0}") : null))
                .Append(Cell(r.GpuUtilPercent?.Mean is double util ? F($"{util:F0}") : null))
                .Append("</tr>\n");
        }
        html.Append("</tbody>\n</table>\n<p class=\"note\">Best Fréchet distance and best IS are each the best evaluated checkpoint, which may be different ones; ")
            .Append("each names its feature space (FID only with the Inception) and the protocol it was measured with (extractor, samples, sampler and steps, guidance). ")
            .Append("A run evaluated under several protocols shows the one with the most evaluated checkpoints; the plots show them all. ")
            .Append("Training time is the run's cumulative elapsed time at its last log row; images/s is the median over log intervals; ")
            .Append("memory and GPU columns come from resources.csv (— when the run has none, or the machine has no GPU).</p>\n");
    }

    /// <summary>"FD-ResNet18 59.01 (88000)" over a smaller line with the protocol.</summary>
    private static string BestCell(BestValue? best, bool named) => best is null ? Cell(null)
        : $"<td class=\"num\">{E((named ? best.Series.MetricLabel + " " : "") + F($"{best.Point.Value:F2} ({best.Point.Step})"))}<br><span class=\"protocol\">{E(best.Series.ProtocolLabel)}</span></td>";

    private static string Cell(string? text) => text is null ? "<td class=\"na\">—</td>" : $"<td class=\"num\">{E(text)}</td>";

    private static void AppendImage(StringBuilder html, byte[] png, string alt, string cssClass) =>
        html.Append(CultureInfo.InvariantCulture, $"<img class=\"{cssClass}\" alt=\"{E(alt)}\" src=\"data:image/png;base64,")
            .Append(Convert.ToBase64String(png)).Append("\">\n");

    private static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalHours >= 1 ? F($"{(int)t.TotalHours}h {t.Minutes:D2}m") : F($"{t.Minutes}m {t.Seconds:D2}s");
    }

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private const string Css = """
        body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
        h1 { margin-bottom: 4px; }
        .meta, .note { color: #555; }
        .warnings { background: #fff4e5; border: 1px solid #f0b060; padding: 8px 24px; }
        table { border-collapse: collapse; margin: 8px 0; }
        th, td { border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; }
        th { background: #f2f2f2; }
        td.num { text-align: right; white-space: nowrap; }
        td.na { text-align: center; color: #999; }
        .was { color: #888; font-size: 90%; }
        .protocol { color: #666; font-size: 85%; white-space: normal; }
        img.plot { display: inline-block; width: 49%; min-width: 600px; margin: 8px 0; border: 1px solid #eee; }
        #ablation td:first-child { white-space: nowrap; font-weight: bold; }
        .grids { display: flex; flex-wrap: wrap; gap: 16px; }
        figure { margin: 0; }
        img.grid { image-rendering: pixelated; width: 256px; border: 1px solid #ddd; }
        figure.cascade img.grid { width: 384px; }
        figure.cascade figcaption { max-width: 384px; }

        """;
}
