using SharpDiffusion.Training;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// <c>ddpm train --resume FILE</c>: the run folder a checkpoint file continues in (its own run unless --out names an empty
/// folder), refused when continuing there would overwrite a later checkpoint.
/// </summary>
internal static class ResumeCheckpoint
{
    /// <summary>The settings with --resume FILE as a full path and, without --out, the run the checkpoint belongs to.</summary>
    public static TrainSettings WithRunFolder(TrainSettings settings)
    {
        if (settings.ResumeFrom is not string file) return settings;
        string path = Path.GetFullPath(file);
        if (!File.Exists(path))
            throw new UsageException($"--resume: checkpoint {path} does not exist; pass 'latest' or a checkpoint file such as runs/NAME/checkpoints/step-000500.ckpt.");
        string outDir = settings.Out ?? OwnRun(path)?.Root
            ?? throw new UsageException($"--resume {path}: the file is not in a run's checkpoints folder; pass --out DIR (an empty folder) to continue it there.");
        return settings with { ResumeFrom = path, Out = outDir };
    }

    /// <summary>Throws unless <paramref name="run"/> is the checkpoint's own run with no later checkpoint, or an empty folder.</summary>
    public static void ThrowIfConflicts(RunDirectory run, string checkpoint)
    {
        int step = CheckpointFile.ReadMetadata(checkpoint).Step;
        if (OwnRun(checkpoint)?.Root != run.Root)
        {
            if (run.HasRunContent)
                throw new UsageException($"--resume {checkpoint}: {run.Root} already holds another run; pass an empty --out folder to continue that checkpoint there.");
            return;
        }
        var later = run.ListCheckpoints().Where(c => c.Step > step).Select(c => Path.GetFileName(c.Path)).ToList();
        if (later.Count > 0)
            throw new UsageException($"--resume {Path.GetFileName(checkpoint)}: the run has later checkpoints ({string.Join(", ", later.Take(3))}{(later.Count > 3 ? ", …" : "")}) " +
                                     $"that continuing from step {step} would overwrite; pass --out NEW_FOLDER to branch from it there, or --resume latest.");
    }

    private static RunDirectory? OwnRun(string checkpoint)
    {
        string? folder = Path.GetDirectoryName(checkpoint);
        string? root = folder is null ? null : Path.GetDirectoryName(folder);
        return root is not null && new RunDirectory(root) is var run && run.CheckpointsDir == folder ? run : null;
    }
}
