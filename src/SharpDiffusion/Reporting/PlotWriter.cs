namespace SharpDiffusion.Reporting;

/// <summary>
/// Writes the plots of a set of runs into a folder: loss_plots/&lt;run&gt;.png per run, loss_plots/all_runs.png, one
/// Fréchet-distance plot per feature space named after it (comparison_fid.png for the Inception's FID,
/// comparison_fd-resnet18.png for FD-ResNet18, …; comparison_fd.png with a message when no run has one) and
/// comparison_is.png, and comparison_memorised.png (comparison_memorised_distance.png) when a run has the memorised share (the median ℓ). Files are written atomically (a temporary file renamed over the name).
/// </summary>
public static class PlotWriter
{
    public const string LossFolder = "loss_plots";
    public const string OverlayFile = "all_runs.png";
    /// <summary>The Fréchet-distance plot when no run has any (it holds the message saying so).</summary>
    public const string FrechetFile = "comparison_fd.png";
    public const string IsFile = "comparison_is.png";

    /// <summary>The memorised share (nearest/second-nearest test) versus step; written only when some run has it.</summary>
    public const string MemorizationRatioFile = "comparison_memorised.png";

    /// <summary>The median of Carlini et al.'s normalised distance ℓ versus step; written only when some run has it.</summary>
    public const string MemorizationNormalizedDistanceFile = "comparison_memorised_distance.png";

    public static IReadOnlyList<string> Write(IReadOnlyList<ReportRun> runs, string outDir, LossPlotOptions options)
    {
        string lossDir = Path.Combine(outDir, LossFolder);
        Directory.CreateDirectory(lossDir);
        var written = new List<string>();
        for (int i = 0; i < runs.Count; i++)
            written.Add(Save(Path.Combine(lossDir, FileSafe(runs[i].Name) + ".png"), LossPlots.ForRun(runs[i], i, options)));
        written.Add(Save(Path.Combine(lossDir, OverlayFile), LossPlots.Overlay(runs, options)));
        var frechetLabels = MetricPlots.FrechetLabels(runs);
        if (frechetLabels.Count == 0) written.Add(Save(Path.Combine(outDir, FrechetFile), MetricPlots.Comparison(runs, Metric.FrechetDistance)));
        foreach (var label in frechetLabels)
            written.Add(Save(Path.Combine(outDir, FrechetFileFor(label)), MetricPlots.Comparison(runs, Metric.FrechetDistance, label)));
        written.Add(Save(Path.Combine(outDir, IsFile), MetricPlots.Comparison(runs, Metric.InceptionScore)));
        if (runs.Any(r => r.HasEvaluations(Metric.MemorizationRatio)))
            written.Add(Save(Path.Combine(outDir, MemorizationRatioFile), MetricPlots.Comparison(runs, Metric.MemorizationRatio)));
        if (runs.Any(r => r.HasEvaluations(Metric.MemorizationNormalizedDistance)))
            written.Add(Save(Path.Combine(outDir, MemorizationNormalizedDistanceFile), MetricPlots.Comparison(runs, Metric.MemorizationNormalizedDistance)));
        return written;
    }

    private static string Save(string path, byte[] png)
    {
        Training.AtomicFile.Write(path, stream => stream.Write(png));
        return path;
    }

    /// <summary>"FID" → comparison_fid.png, "FD-ResNet18" → comparison_fd-resnet18.png, "FD (torchscript:a.pt)" → comparison_fd-torchscript-a.pt.png.</summary>
    public static string FrechetFileFor(string frechetLabel)
    {
        var slug = new string(frechetLabel.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-').ToArray());
        while (slug.Contains("--", StringComparison.Ordinal)) slug = slug.Replace("--", "-", StringComparison.Ordinal);
        return $"comparison_{slug.Trim('-')}.png";
    }

    /// <summary>A run name as a file name: path separators and other characters invalid in file names become '_'.</summary>
    public static string FileSafe(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return new string(name.Select(c => invalid.Contains(c) || c == ' ' ? '_' : c).ToArray());
    }
}
