using SharpDiffusion.Config;

namespace SharpDiffusion.Training;

/// <summary>
/// Which periodic actions are due after a step. <see cref="Trainer"/> performs the due ones in this order, for every model
/// family: read the device counters, append the log row (TensorBoard mirrors it), report progress, then (if a stop was
/// asked for by now: <see cref="Stopping"/>) read the counters and append the row the stop needs, save the checkpoint, write
/// the sample grid, stop. The log row comes before the checkpoint so a checkpoint never holds steps the log lacks; the grid
/// comes after it so an interruption while sampling loses no training.
/// </summary>
/// <param name="LogRow">training.log_every divides the step, or it is the last step.</param>
/// <param name="Checkpoint">training.checkpoint_every divides the step, it is the last step, or training is stopping.</param>
/// <param name="SampleGrid">training.sample_every (if set) divides the step, or it is the last step.</param>
/// <param name="Stop">Training was asked to stop (the log then ends where the checkpoint does).</param>
public readonly record struct PeriodicActions(bool LogRow, bool Checkpoint, bool SampleGrid, bool Stop)
{
    public static PeriodicActions After(int step, TrainingConfig training)
    {
        ArgumentNullException.ThrowIfNull(training);
        bool last = step == training.Steps;
        return new PeriodicActions(
            LogRow: step % training.LogEvery == 0 || last,
            Checkpoint: step % training.CheckpointEvery == 0 || last,
            SampleGrid: (training.SampleEvery > 0 && step % training.SampleEvery == 0) || last,
            Stop: false);
    }

    /// <summary>The same step when training must stop after it: it is checkpointed whatever the cadence.</summary>
    public PeriodicActions Stopping() => this with { Checkpoint = true, Stop = true };
}
