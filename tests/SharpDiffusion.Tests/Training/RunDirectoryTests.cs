using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Training;

public sealed class RunDirectoryTests : IDisposable
{
    private readonly RunDirectory _run = new(Directory.CreateTempSubdirectory("sd-run-").FullName);

    public void Dispose() => Directory.Delete(_run.Root, recursive: true);

    private string Touch(int step)
    {
        string path = _run.CheckpointPath(step);
        Directory.CreateDirectory(_run.CheckpointsDir);
        File.WriteAllText(path, "x");
        return path;
    }

    [Fact]
    public void PublishCheckpoint_KeepsNewestKAndPointsLatestAtIt()
    {
        for (int step = 100; step <= 500; step += 100) _run.PublishCheckpoint(Touch(step), keepLast: 2);

        Assert.Equal([400, 500], _run.ListCheckpoints().Select(c => c.Step));
        Assert.Equal("step-000500.ckpt", File.ReadAllText(_run.LatestPointerPath).Trim());
        Assert.Equal(_run.CheckpointPath(500), _run.LatestCheckpoint());
    }

    [Fact]
    public void LatestCheckpoint_StalePointer_FallsBackToHighestStepOnDisk()
    {
        Touch(100);
        Touch(300);
        Directory.CreateDirectory(_run.CheckpointsDir);
        File.WriteAllText(_run.LatestPointerPath, "step-000900.ckpt");
        Assert.Equal(_run.CheckpointPath(300), _run.LatestCheckpoint());
    }

    [Fact]
    public void ListCheckpoints_IgnoresTempFilesAndForeignNames()
    {
        Touch(7);
        File.WriteAllText(Path.Combine(_run.CheckpointsDir, ".step-000008.ckpt.123.tmp"), "partial");
        File.WriteAllText(Path.Combine(_run.CheckpointsDir, "step-abc.ckpt"), "x");
        Assert.Equal([7], _run.ListCheckpoints().Select(c => c.Step));
        Assert.True(_run.HasRunContent);
    }
}
