using SharpDiffusion.Config;
using SharpDiffusion.Training;

namespace SharpDiffusion.Experiments;

/// <summary>
/// Expands config files into the runs of a sweep: each config is loaded (extends resolved, overrides applied, validated)
/// and trains into <c>&lt;out&gt;/&lt;its name&gt;</c>. All problems are found before anything trains.
/// </summary>
public static class SweepPlan
{
    /// <param name="configPaths">Config files, in the order they will train.</param>
    /// <param name="outRoot">Folder holding one run folder per config.</param>
    /// <param name="load">Loads and validates one config file with the sweep's overrides (as <c>ddpm train --config</c> would).</param>
    public static IReadOnlyList<SweepRun> Create(IReadOnlyList<string> configPaths, string outRoot, Func<string, RunConfig> load)
    {
        if (configPaths.Count == 0) throw new SweepException("no configs given; pass one or more files to --configs, e.g. --configs configs/sysu/*.json.");
        var missing = configPaths.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
            throw new SweepException($"config file(s) not found: {string.Join(", ", missing)}; check the paths given to --configs (nothing was started).");

        var runs = new List<SweepRun>();
        foreach (string path in configPaths)
        {
            var config = load(path);
            if (config.Name is "" or "." or ".." || config.Name.IndexOfAny(['/', '\\']) >= 0)
                throw new SweepException($"{path}: name '{config.Name}' is not a folder name; a sweep trains each config into <out>/<name>, so give it a plain name.");
            runs.Add(new SweepRun(Path.GetFullPath(path), config, new RunDirectory(Path.Combine(outRoot, config.Name))));
        }

        var clashes = runs.GroupBy(r => r.Run.Root, StringComparer.Ordinal).Where(g => g.Count() > 1).ToList();
        if (clashes.Count > 0)
        {
            var first = clashes[0];
            throw new SweepException(
                $"configs {string.Join(" and ", first.Select(r => r.ConfigPath))} share the name '{first.First().Name}' and would train into one folder; " +
                "give each config its own \"name\" (nothing was started).");
        }
        return runs;
    }
}
