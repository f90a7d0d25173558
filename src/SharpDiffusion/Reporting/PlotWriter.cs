namespace SharpDiffusion.Reporting;

/// <summary>
/// Writes the plots of a set of runs into a folder: loss_plots/&lt;run&gt;.png per run, loss_plots/all_runs.png,
/// comparison_fid.png and comparison_is.png. Files are written atomically (a temporary file renamed over the name).
/// </summary>
public static class PlotWriter
{
    public const string LossFolder = "loss_plots";
    public const string OverlayFile = "all_runs.png";
    public const string FidFile = "comparison_fid.png";
    public const string IsFile = "comparison_is.png";

    public static IReadOnlyList<string> Write(IReadOnlyList<ReportRun> runs, string outDir, LossPlotOptions options)
    {
        string lossDir = Path.Combine(outDir, LossFolder);
        Directory.CreateDirectory(lossDir);
        var written = new List<string>();
        for (int i = 0; i < runs.Count; i++)
            written.Add(Save(Path.Combine(lossDir, FileSafe(runs[i].Name) + ".png"), LossPlots.ForRun(runs[i], i, options)));
        written.Add(Save(Path.Combine(lossDir, OverlayFile), LossPlots.Overlay(runs, options)));
        written.Add(Save(Path.Combine(outDir, FidFile), MetricPlots.Comparison(runs, Metric.Fid)));
        written.Add(Save(Path.Combine(outDir, IsFile), MetricPlots.Comparison(runs, Metric.InceptionScore)));
        return written;
    }

    private static string Save(string path, byte[] png)
    {
        Training.AtomicFile.Write(path, stream => stream.Write(png));
        return path;
    }

    /// <summary>A run name as a file name: path separators and other characters invalid in file names become '_'.</summary>
    public static string FileSafe(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        return new string(name.Select(c => invalid.Contains(c) || c == ' ' ? '_' : c).ToArray());
    }
}
