using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Training;

public sealed class TrainingLogTests : IDisposable
{
    private readonly string _path = Path.Combine(Directory.CreateTempSubdirectory("sd-log-").FullName, "log.csv");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);

    [Fact]
    public void TruncateAfter_DropsLaterRowsAndATornLine()
    {
        var log = new TrainingLog(_path);
        for (int step = 10; step <= 50; step += 10) log.Append(new TrainingLogRow(step, 1.0 / step, 1e-4, 3.5, step));
        File.AppendAllText(_path, "60,0.01"); // a crash in the middle of a write

        log.TruncateAfter(30);

        Assert.Equal([10, 20, 30], log.Read().Select(r => r.Step));
        Assert.Equal(0.05, log.Read()[1].Loss);
        Assert.StartsWith(TrainingLog.Header + "\n", File.ReadAllText(_path), StringComparison.Ordinal);
    }
}

public class LearningRateScheduleTests
{
    [Theory]
    [InlineData(1, 100, 1e-3 / 100)]
    [InlineData(50, 100, 1e-3 / 2)]
    [InlineData(100, 100, 1e-3)]
    [InlineData(5000, 100, 1e-3)]
    [InlineData(1, 0, 1e-3)]
    public void At_LinearWarmupThenConstant(int step, int warmup, double expected) =>
        Assert.Equal(expected, LearningRateSchedule.At(step, 1e-3, warmup), 12);
}

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-atomic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Write_FailingWriter_LeavesTheOldFileAndNoTempFile()
    {
        string path = Path.Combine(_dir, "f.txt");
        File.WriteAllText(path, "old");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.WriteByte(1);
            throw new InvalidOperationException("disk full");
        }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_dir));
    }
}
