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
            // Busy until three rows are written, however slowly this machine schedules the monitor (the bound only stops a hang).
            var hang = Stopwatch.StartNew();
            double x = 0;
            while (ResourceLog.Read(CsvPath).Count < 3 && hang.Elapsed < TimeSpan.FromMinutes(1)) x += Math.Sqrt(hang.ElapsedTicks);
            Assert.True(x > 0);
        }
        var lines = File.ReadAllLines(CsvPath);
        var rows = ResourceLog.Read(CsvPath);

        Assert.Equal(ResourceLog.Header, lines[0]);
        Assert.Equal(lines.Length - 1, rows.Count);
        Assert.True(rows.Count >= 3, $"{rows.Count} rows");
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
        // Fake clocks driven by one counter: each reading, wall time advances 0.1 s and CPU time 0.15 s, i.e. 1.5 cores
        // busy = 150 %, exactly, however the threads are scheduled.
        int readings = 0;
        using (new ResourceMonitor(CsvPath, TimeSpan.FromMilliseconds(20), gpu: null, cpuSeconds: () => 0.15 * readings, rssMiB: () => 321.5,
                   elapsedSeconds: () => 0.1 * ++readings))
        {
            var hang = Stopwatch.StartNew();
            while (ResourceLog.Read(CsvPath).Count < 3 && hang.Elapsed < TimeSpan.FromMinutes(1)) Thread.Sleep(10);
        }

        var rows = ResourceLog.Read(CsvPath);
        Assert.True(rows.Count >= 3);
        Assert.All(rows, r => Assert.Equal(150.0, r.CpuPercent!.Value, 6));
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
