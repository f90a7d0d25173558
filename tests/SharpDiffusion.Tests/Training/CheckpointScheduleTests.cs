using SharpDiffusion.Config;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Training;

public sealed class CheckpointScheduleTests
{
    [Theory]
    [InlineData(2500, 1000, 0, new[] { 1000, 2000, 2500 })] // every checkpoint_every, and the last step
    [InlineData(2500, 1000, 2, new[] { 2000, 2500 })] // keep_last prunes the oldest
    [InlineData(3000, 1000, 5, new[] { 1000, 2000, 3000 })] // the last step on the cadence is saved once
    [InlineData(2, 1000, 5, new[] { 2 })] // a run shorter than the cadence: its last step alone
    public void KeptSteps_UninterruptedRun_TheCheckpointsItsFolderEndsWith(int steps, int every, int keepLast, int[] expected) =>
        Assert.Equal(expected, CheckpointSchedule.KeptSteps(new TrainingConfig { Steps = steps, CheckpointEvery = every, KeepLast = keepLast }));
}
