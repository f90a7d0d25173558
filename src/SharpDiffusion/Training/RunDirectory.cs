using System.Globalization;
using SharpDiffusion.Config;

namespace SharpDiffusion.Training;

/// <summary>
/// The folder a run lives in (see docs/architecture.md): config.json, checkpoints/step-NNNNNN.ckpt with a
/// <c>latest</c> pointer, log.csv, samples/. Owns naming, the pointer and keep-last-k pruning.
/// </summary>
public sealed class RunDirectory
{
    private const string CheckpointPrefix = "step-";
    private const string CheckpointExtension = ".ckpt";

    public RunDirectory(string root) => Root = Path.GetFullPath(root);

    public string Root { get; }
    public string ConfigPath => Path.Combine(Root, "config.json");
    public string CheckpointsDir => Path.Combine(Root, "checkpoints");
    public string LatestPointerPath => Path.Combine(CheckpointsDir, "latest");
    public string LogPath => Path.Combine(Root, "log.csv");
    public string SamplesDir => Path.Combine(Root, "samples");

    public bool Exists => Directory.Exists(Root);

    /// <summary>True when the folder holds anything a run writes (so a new run must not reuse it silently).</summary>
    public bool HasRunContent => File.Exists(ConfigPath) || File.Exists(LogPath) || ListCheckpoints().Count > 0;

    public string CheckpointPath(int step) =>
        Path.Combine(CheckpointsDir, CheckpointPrefix + step.ToString("D6", CultureInfo.InvariantCulture) + CheckpointExtension);

    public string SampleGridPath(int step) =>
        Path.Combine(SamplesDir, CheckpointPrefix + step.ToString("D6", CultureInfo.InvariantCulture) + ".png");

    public void WriteConfig(RunConfig config) =>
        AtomicFile.WriteAllText(ConfigPath, ConfigJson.SerializeForRun(config, Runtime.SoftwareVersions.Current) + "\n");

    /// <summary>Checkpoints on disk ordered by step (names only; validity is checked when loaded).</summary>
    public IReadOnlyList<(int Step, string Path)> ListCheckpoints()
    {
        if (!Directory.Exists(CheckpointsDir)) return [];
        return Directory.EnumerateFiles(CheckpointsDir, CheckpointPrefix + "*" + CheckpointExtension)
            .Select(p => (Ok: TryParseStep(p, out int s), Step: s, Path: p))
            .Where(x => x.Ok)
            .Select(x => (x.Step, x.Path))
            .OrderBy(x => x.Step)
            .ToList();
    }

    /// <summary>The newest checkpoint, from the <c>latest</c> pointer or, when that is missing or stale, the highest step on disk.</summary>
    public string? LatestCheckpoint()
    {
        if (File.Exists(LatestPointerPath))
        {
            string named = Path.Combine(CheckpointsDir, File.ReadAllText(LatestPointerPath).Trim());
            if (File.Exists(named)) return named;
        }
        var all = ListCheckpoints();
        return all.Count == 0 ? null : all[^1].Path;
    }

    /// <summary>Points <c>latest</c> at a checkpoint already fully written, then deletes all but the newest <paramref name="keepLast"/>.</summary>
    public void PublishCheckpoint(string path, int keepLast)
    {
        AtomicFile.WriteAllText(LatestPointerPath, Path.GetFileName(path) + "\n");
        if (keepLast <= 0) return;
        var all = ListCheckpoints();
        foreach (var (_, old) in all.Take(Math.Max(0, all.Count - keepLast)))
            if (!string.Equals(old, path, StringComparison.Ordinal)) File.Delete(old);
    }

    /// <summary>
    /// Removes half-written temp files of a killed trainer (each as large as a checkpoint); call under the run lock. Only of
    /// the files training writes: <c>ddpm eval</c> and <c>ddpm sample</c> may be writing theirs into the same folders now.
    /// </summary>
    public int DeleteLeftoverTempFiles() =>
        AtomicFile.DeleteLeftovers(Root, name => name is "config.json" or "log.csv")
        + AtomicFile.DeleteLeftovers(CheckpointsDir)
        + AtomicFile.DeleteLeftovers(SamplesDir, name => name.StartsWith(CheckpointPrefix, StringComparison.Ordinal));

    private static bool TryParseStep(string path, out int step)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        step = 0;
        return name.StartsWith(CheckpointPrefix, StringComparison.Ordinal)
               && int.TryParse(name.AsSpan(CheckpointPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out step);
    }
}
