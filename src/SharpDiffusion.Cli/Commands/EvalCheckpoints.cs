using System.Globalization;
using SharpDiffusion.Training;

namespace SharpDiffusion.Cli.Commands;

/// <summary>Resolves <c>--checkpoints latest|all|STEP,...</c> against a run folder.</summary>
internal static class EvalCheckpoints
{
    public static IReadOnlyList<(int Step, string Path)> Select(RunDirectory run, string which)
    {
        var all = run.ListCheckpoints();
        if (all.Count == 0) throw new UsageException($"{run.Root} has no checkpoint yet; train it first (ddpm train --out {run.Root}).");
        switch (which.Trim().ToLowerInvariant())
        {
            case "all":
                return all;
            case "latest":
                var latest = run.LatestCheckpoint()!;
                return all.Where(c => string.Equals(Path.GetFullPath(c.Path), Path.GetFullPath(latest), StringComparison.Ordinal)).DefaultIfEmpty(all[^1]).Take(1).ToList();
            default:
                var chosen = new List<(int, string)>();
                foreach (var part in which.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var step))
                        throw new UsageException($"--checkpoints takes latest, all or steps like 4000,8000; '{part}' is none of these.");
                    var match = all.Where(c => c.Step == step).ToList();
                    if (match.Count == 0)
                        throw new UsageException($"{run.Root} has no checkpoint for step {step}; it has steps {string.Join(", ", all.Select(c => c.Step))}.");
                    chosen.Add(match[0]);
                }
                return chosen.Distinct().OrderBy(c => c.Item1).ToList();
        }
    }
}
