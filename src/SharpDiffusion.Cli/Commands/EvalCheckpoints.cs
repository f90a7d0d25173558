using System.Globalization;
using SharpDiffusion.Config;
using SharpDiffusion.Training;

namespace SharpDiffusion.Cli.Commands;

/// <summary>Resolves <c>--checkpoints latest|all|STEP,...</c> against a run folder, or against a run's config before it trains.</summary>
internal static class EvalCheckpoints
{
    public static IReadOnlyList<(int Step, string Path)> Select(RunDirectory run, string which)
    {
        var all = run.ListCheckpoints();
        if (all.Count == 0) throw new UsageException($"{run.Root} has no checkpoint yet; train it first (ddpm train --out {run.Root}).");
        switch (Steps(which))
        {
            case null when IsAll(which):
                return all;
            case null:
                var latest = run.LatestCheckpoint()!;
                return all.Where(c => string.Equals(Path.GetFullPath(c.Path), Path.GetFullPath(latest), StringComparison.Ordinal)).DefaultIfEmpty(all[^1]).Take(1).ToList();
            case var steps:
                var chosen = new List<(int, string)>();
                foreach (int step in steps)
                {
                    var match = all.Where(c => c.Step == step).ToList();
                    if (match.Count == 0)
                        throw new UsageException($"{run.Root} has no checkpoint for step {step}; it has steps {string.Join(", ", all.Select(c => c.Step))}.");
                    chosen.Add(match[0]);
                }
                return chosen.Distinct().OrderBy(c => c.Item1).ToList();
        }
    }

    /// <summary>The steps of a list like 4000,8000; null for latest and all; anything else is refused.</summary>
    public static IReadOnlyList<int>? Steps(string which)
    {
        ArgumentNullException.ThrowIfNull(which);
        if (IsAll(which) || which.Trim().Equals("latest", StringComparison.OrdinalIgnoreCase)) return null;
        var steps = new List<int>();
        foreach (var part in which.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var step))
                throw new UsageException($"--checkpoints takes latest, all or steps like 4000,8000; '{part}' is none of these.");
            steps.Add(step);
        }
        return steps.Count > 0 ? steps : throw new UsageException($"--checkpoints takes latest, all or steps like 4000,8000; '{which}' is none of these.");
    }

    /// <summary>
    /// Before a run trains (<c>ddpm sweep --eval</c>): refuses steps it will not keep a checkpoint of (<see cref="CheckpointSchedule"/>).
    /// </summary>
    public static void ThrowIfNeverKept(string which, TrainingConfig training)
    {
        if (Steps(which) is not { } steps) return;
        var kept = CheckpointSchedule.KeptSteps(training);
        if (steps.Where(step => !kept.Contains(step)).Select(step => (int?)step).FirstOrDefault() is int missing)
            throw new UsageException($"--checkpoints {which} names step {missing}, but a run of this config keeps no checkpoint of it (it keeps {Listed(kept)}, "
                + "as training.checkpoint_every, training.steps and training.keep_last decide); name steps it keeps, or all.");
    }

    /// <summary>What <paramref name="which"/> chooses, for a progress line: "every checkpoint", "the latest checkpoint", "checkpoints 4000, 8000".</summary>
    public static string Label(string which) => Steps(which) is { } steps ? $"checkpoints {string.Join(", ", steps)}"
        : IsAll(which) ? "every checkpoint" : "the latest checkpoint";

    private static bool IsAll(string which) => which.Trim().Equals("all", StringComparison.OrdinalIgnoreCase);

    private static string Listed(IReadOnlyList<int> steps) => steps.Count <= 8
        ? "steps " + string.Join(", ", steps)
        : $"{steps.Count} steps: {string.Join(", ", steps.Take(3))}, …, {string.Join(", ", steps.TakeLast(3))}";
}
