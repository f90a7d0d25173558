using System.Diagnostics;
using SharpDiffusion.Monitoring;

namespace SharpDiffusion.Tests.Monitoring;

public sealed class ResourceMonitorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-monitor-").FullName;
    private string CsvPath => Path.Combine(_dir, ResourceLog.FileName);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class FixedGpu(GpuReading reading) : IGpuProbe
    {
        public GpuReading? Read() => reading;
    }

    [Fact]
    public void Monitor_CpuOnlyMachine_WritesPlausibleRowsWithEmptyGpuColumnsAndStopsCleanly()
    {
        using (new ResourceMonitor(CsvPath, TimeSpan.FromMilliseconds(50), gpu: null))
        {
            var busy = Stopwatch.StartNew();
            double x = 0;
            while (busy.ElapsedMilliseconds < 400) x += Math.Sqrt(busy.ElapsedTicks);
            Assert.True(x > 0);
        }
        var lines = File.ReadAllLines(CsvPath);
        var rows = ResourceLog.Read(CsvPath);

        Assert.Equal(ResourceLog.Header, lines[0]);
        Assert.Equal(lines.Length - 1, rows.Count);
        Assert.True(rows.Count >= 3, $"{rows.Count} rows in 0.4 s at 50 ms");
        Assert.All(rows, r =>
        {
            Assert.True(r.RssMiB > 0);
            Assert.True(r.CpuPercent >= 0);
            Assert.Null(r.GpuUtilPercent);
            Assert.Null(r.GpuMemoryMiB);
            Assert.Null(r.GpuPowerWatts);
            Assert.Null(r.GpuTemperatureC);
        });
        Assert.Equal(rows.Select(r => r.ElapsedSeconds).Order(), rows.Select(r => r.ElapsedSeconds));
        Assert.All(lines.Skip(1), l => Assert.Contains(",,,,", l, StringComparison.Ordinal)); // the four GPU fields are empty, not 0

        Thread.Sleep(200);
        Assert.Equal(lines.Length, File.ReadAllLines(CsvPath).Length); // nothing written after Dispose
    }

    [Fact]
    public void Monitor_KnownCpuRate_ReportsThatPercentage()
    {
        // A fake CPU clock that advances at 1.5 × wall time: a process keeping 1.5 cores busy, i.e. 150 %.
        var wall = Stopwatch.StartNew();
        using (new ResourceMonitor(CsvPath, TimeSpan.FromMilliseconds(100), gpu: null, cpuSeconds: () => 1.5 * wall.Elapsed.TotalSeconds, rssMiB: () => 321.5))
            Thread.Sleep(450);

        var rows = ResourceLog.Read(CsvPath);
        Assert.True(rows.Count >= 3);
        Assert.All(rows, r => Assert.InRange(r.CpuPercent!.Value, 140, 160)); // the monitor's and the fake's clocks are read microseconds apart
        Assert.All(rows, r => Assert.Equal(321.5, r.RssMiB));
    }

    [Fact]
    public void Monitor_GpuProbe_FillsGpuColumns()
    {
        using (new ResourceMonitor(CsvPath, TimeSpan.FromMilliseconds(30), new FixedGpu(new GpuReading(87, 40536, 412.34, 61))))
            Thread.Sleep(100);

        var rows = ResourceLog.Read(CsvPath);
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal((87.0, 40536.0, 412.34, 61.0), (r.GpuUtilPercent!.Value, r.GpuMemoryMiB!.Value, r.GpuPowerWatts!.Value, r.GpuTemperatureC!.Value)));
    }

    [Fact]
    public void Monitor_ExistingLog_AppendsWithoutSecondHeader()
    {
        using (new ResourceMonitor(CsvPath, TimeSpan.FromSeconds(60), gpu: null)) { }
        using (new ResourceMonitor(CsvPath, TimeSpan.FromSeconds(60), gpu: null)) { }

        var lines = File.ReadAllLines(CsvPath);
        Assert.Equal(3, lines.Length); // header + the closing row of each monitor
        Assert.Single(lines, l => l == ResourceLog.Header);
    }

    [Fact]
    public void Monitor_FolderRemovedWhileRunning_StopsSamplingAndReportsInsteadOfThrowing()
    {
        string nested = Path.Combine(_dir, "run");
        var monitor = new ResourceMonitor(Path.Combine(nested, ResourceLog.FileName), TimeSpan.FromMilliseconds(20), gpu: null);
        Directory.Delete(nested, recursive: true);
        Thread.Sleep(150);
        monitor.Dispose();
        Assert.IsAssignableFrom<IOException>(monitor.Error);
    }

    [Fact]
    public void StartForRun_IntervalZero_IsOff()
    {
        Assert.Null(ResourceMonitor.StartForRun(_dir, 0));
        Assert.False(File.Exists(CsvPath));
    }
}
