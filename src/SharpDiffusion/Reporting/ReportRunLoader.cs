using SharpDiffusion.Monitoring;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpDiffusion.Training;

namespace SharpDiffusion.Reporting;

/// <summary>
/// Reads run folders for plotting and reporting. A folder without a readable config.json is not a run and is skipped
/// with a warning; a run whose optional files (evaluations, resources) are unreadable is kept without them, with a warning.
/// </summary>
public static class ReportRunLoader
{
    public static ReportRunSet Load(IEnumerable<string> folders)
    {
        var runs = new List<ReportRun>();
        var warnings = new List<string>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (string folder in folders)
        {
            var run = LoadOne(folder, warnings);
            if (run is null) continue;
            // Two folders with one name (runs/a/x and runs/b/x) would share a legend entry: number the later ones.
            string name = run.Name;
            for (int i = 2; !names.Add(name); i++) name = string.Create(CultureInfo.InvariantCulture, $"{run.Name} ({i})");
            runs.Add(run with { Name = name });
        }
        return new ReportRunSet(runs, warnings);
    }

    private static ReportRun? LoadOne(string folder, List<string> warnings)
    {
        var dir = new RunDirectory(folder);
        if (!dir.Exists)
        {
            warnings.Add(File.Exists(folder) ? $"{folder} is a file, not a run folder; skipped." : $"{folder} does not exist; skipped.");
            return null;
        }
        if (!File.Exists(dir.ConfigPath))
        {
            warnings.Add($"{folder} is not a run folder (no config.json); skipped.");
            return null;
        }
        JsonObject? config;
        try
        {
            config = JsonNode.Parse(File.ReadAllText(dir.ConfigPath)) as JsonObject;
        }
        catch (JsonException)
        {
            config = null;
        }
        if (config is null)
        {
            warnings.Add($"{dir.ConfigPath} is not a JSON object; {folder} skipped.");
            return null;
        }

        var log = new TrainingLog(dir.LogPath).Read();
        var evaluations = ReadOptional(Path.Combine(dir.Root, EvaluationResults.FileName), EvaluationResults.Read, warnings);
        var resources = ReadOptional(ResourceLog.PathIn(dir.Root), path => ResourceSummary.Of(ResourceLog.Read(path)), warnings);
        var (grid, gridStep) = LatestSampleGrid(dir);
        string name = Path.GetFileName(dir.Root.TrimEnd(Path.DirectorySeparatorChar));
        return new ReportRun(name, dir.Root, config, log, evaluations, resources, grid, gridStep);
    }

    private static T? ReadOptional<T>(string path, Func<string, T> read, List<string> warnings) where T : class
    {
        if (!File.Exists(path)) return null;
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            warnings.Add($"{path} could not be read ({e.Message}); ignored.");
            return null;
        }
    }

    /// <summary>The training grid with the highest step (samples/step-NNNNNN.png); other PNGs there (ddpm sample output) are not training grids.</summary>
    private static (string? Path, int? Step) LatestSampleGrid(RunDirectory dir)
    {
        if (!Directory.Exists(dir.SamplesDir)) return (null, null);
        (string? path, int? step) best = (null, null);
        foreach (string file in Directory.EnumerateFiles(dir.SamplesDir, "step-*.png"))
        {
            string digits = Path.GetFileNameWithoutExtension(file)["step-".Length..];
            if (int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int step) && (best.step is null || step > best.step))
                best = (file, step);
        }
        return best;
    }
}
