using SharpDiffusion.Training;

namespace SharpDiffusion.Experiments;

/// <summary>Where a sweep's run folder stands.</summary>
public enum RunState
{
    /// <summary>Nothing trained there yet: start it.</summary>
    New,

    /// <summary>Started but its latest checkpoint is before the last step (or it has none yet): resume it.</summary>
    Interrupted,

    /// <summary>Its latest checkpoint is at (or past) the configured last step: skip it.</summary>
    Finished,
}

/// <summary>Decides, from the folder alone, whether a sweep starts, resumes or skips a run.</summary>
public static class RunProgress
{
    public static RunState Of(RunDirectory run, int totalSteps)
    {
        if (!run.HasRunContent) return RunState.New;
        return LatestStep(run) is int step && step >= totalSteps ? RunState.Finished : RunState.Interrupted;
    }

    /// <summary>The step of the newest checkpoint (from its file name; contents are verified when it is loaded), or null.</summary>
    public static int? LatestStep(RunDirectory run)
    {
        string? latest = run.LatestCheckpoint();
        if (latest is null) return null;
        foreach (var (step, path) in run.ListCheckpoints())
            if (string.Equals(path, latest, StringComparison.Ordinal)) return step;
        return null;
    }
}
