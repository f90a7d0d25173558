using SharpDiffusion.Experiments;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Experiments;

/// <summary>Skip/resume decisions on hand-made run folders (checkpoint files are only named; their contents are checked when loaded).</summary>
public sealed class RunProgressTests : IDisposable
{
    private readonly RunDirectory _run = new(Path.Combine(Directory.CreateTempSubdirectory("sd-progress-").FullName, "exp1"));

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_run.Root)!, recursive: true);

    private void Checkpoint(int step, bool publish = true)
    {
        Directory.CreateDirectory(_run.CheckpointsDir);
        File.WriteAllText(_run.CheckpointPath(step), "x");
        if (publish) _run.PublishCheckpoint(_run.CheckpointPath(step), keepLast: 0);
    }

    [Fact]
    public void Of_MissingFolder_IsNew() => Assert.Equal(RunState.New, RunProgress.Of(_run, 6));

    [Fact]
    public void Of_EmptyFolder_IsNew()
    {
        Directory.CreateDirectory(_run.Root);
        Assert.Equal(RunState.New, RunProgress.Of(_run, 6));
    }

    [Fact]
    public void Of_ConfigWrittenButNoCheckpoint_IsInterruptedWithoutStep()
    {
        Directory.CreateDirectory(_run.Root);
        File.WriteAllText(_run.ConfigPath, "{}");
        Assert.Equal(RunState.Interrupted, RunProgress.Of(_run, 6));
        Assert.Null(RunProgress.LatestStep(_run));
    }

    [Fact]
    public void Of_LatestCheckpointBeforeLastStep_IsInterruptedAtThatStep()
    {
        Checkpoint(3);
        Assert.Equal(RunState.Interrupted, RunProgress.Of(_run, 6));
        Assert.Equal(3, RunProgress.LatestStep(_run));
    }

    [Fact]
    public void Of_LatestCheckpointAtLastStep_IsFinished()
    {
        Checkpoint(3);
        Checkpoint(6);
        Assert.Equal(RunState.Finished, RunProgress.Of(_run, 6));
    }

    [Fact]
    public void Of_CheckpointPastLastStep_IsFinished()
    {
        Checkpoint(8);
        Assert.Equal(RunState.Finished, RunProgress.Of(_run, 6));
    }

    [Fact]
    public void Of_PointerAtOlderCheckpoint_FollowsThePointer()
    {
        // A final checkpoint whose 'latest' pointer was never written (crash between the two) is not trusted as finished.
        Checkpoint(3);
        Checkpoint(6, publish: false);
        Assert.Equal(RunState.Interrupted, RunProgress.Of(_run, 6));
        Assert.Equal(3, RunProgress.LatestStep(_run));
    }
}
