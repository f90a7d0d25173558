using SharpDiffusion.Monitoring;

namespace SharpDiffusion.Tests.Monitoring;

/// <summary>Issue 15 item 1: training and <c>ddpm eval</c> both monitor one run; their rows must neither interleave nor vanish.</summary>
public sealed class ResourceLogConcurrencyTests : IDisposable
{
    private const int RowsEach = 150;

    private readonly string _run = Directory.CreateTempSubdirectory("sd-resrace-").FullName;

    public void Dispose() => Directory.Delete(_run, recursive: true);

    [Fact]
    public void Append_TwoProcessesRacingFromAnEmptyFolder_OneHeaderAndEveryRowWhole()
    {
        var racers = new[] { TestProcesses.Start("resources", _run, RowsEach.ToString(System.Globalization.CultureInfo.InvariantCulture)), TestProcesses.Start("resources", _run, RowsEach.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        TestProcesses.Go(racers);
        var pids = racers.Select(r => r.Id).ToArray();
        foreach (var racer in racers)
        {
            var (code, _, stderr) = TestProcesses.Finish(racer);
            Assert.True(code == 0, stderr);
            racer.Dispose();
        }

        string path = ResourceLog.PathIn(_run);
        var lines = File.ReadAllLines(path);
        Assert.Equal(ResourceLog.Header, lines[0]);
        Assert.Single(lines, l => l == ResourceLog.Header);
        var rows = ResourceLog.Read(path);
        Assert.Equal(lines.Length - 1, rows.Count); // no torn or merged line (Read skips those)
        // The helper writes cpu_pct = its pid and rss_mib = the row index: each process's rows are all there, in order.
        foreach (int pid in pids)
            Assert.Equal(Enumerable.Range(0, RowsEach).Select(i => (double)i), rows.Where(r => r.CpuPercent == pid).Select(r => r.RssMiB!.Value));
    }
}
