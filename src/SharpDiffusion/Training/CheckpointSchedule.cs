using SharpDiffusion.Config;

namespace SharpDiffusion.Training;

/// <summary>Which checkpoints a run leaves behind, known from its config before it trains.</summary>
public static class CheckpointSchedule
{
    /// <summary>
    /// The steps whose checkpoints a run trained without interruption keeps: those <see cref="PeriodicActions"/> saves
    /// (multiples of training.checkpoint_every, and the last step), of which <see cref="RunDirectory.PublishCheckpoint"/>
    /// keeps the last training.keep_last (0: all). An interrupted run saves one more where it stopped, which can push an
    /// older one out.
    /// </summary>
    public static IReadOnlyList<int> KeptSteps(TrainingConfig training)
    {
        ArgumentNullException.ThrowIfNull(training);
        var saved = Enumerable.Range(1, training.Steps).Where(step => PeriodicActions.After(step, training).Checkpoint).ToList();
        return training.KeepLast > 0 ? saved.TakeLast(training.KeepLast).ToList() : saved;
    }
}
