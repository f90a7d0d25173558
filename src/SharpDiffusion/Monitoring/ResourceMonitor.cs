using System.Diagnostics;

namespace SharpDiffusion.Monitoring;

/// <summary>
/// Samples GPU and process resources on a background thread every <c>interval</c> and appends them to a CSV
/// (<see cref="ResourceLog"/>). Dispose stops it, writing one last row, so even a short command leaves a reading.
/// A failure to write (full disk, folder removed) stops the sampling, never the training: see <see cref="Error"/>.
/// </summary>
public sealed class ResourceMonitor : IDisposable
{
    private readonly string _path;
    private readonly TimeSpan _interval;
    private readonly IGpuProbe? _gpu;
    private readonly Func<double?> _cpuSeconds;
    private readonly Func<double?> _rssMiB;
    private readonly Func<double> _elapsedSeconds;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private double? _previousCpuSeconds;
    private double _previousElapsed;
    private bool _disposed;

    /// <param name="path">The CSV to append to (created with a header when missing).</param>
    /// <param name="interval">Time between rows; must be positive.</param>
    /// <param name="gpu">GPU source; null writes empty GPU columns (no GPU).</param>
    /// <param name="cpuSeconds">Process CPU time; default <see cref="ProcessStats.ReadCpuSeconds"/>.</param>
    /// <param name="rssMiB">Process resident memory; default <see cref="ProcessStats.ReadRssMiB"/>.</param>
    /// <param name="elapsedSeconds">Seconds since the monitor started; default a stopwatch started now.</param>
    public ResourceMonitor(string path, TimeSpan interval, IGpuProbe? gpu, Func<double?>? cpuSeconds = null, Func<double?>? rssMiB = null,
        Func<double>? elapsedSeconds = null)
    {
        var clock = Stopwatch.StartNew();
        _elapsedSeconds = elapsedSeconds ?? (() => clock.Elapsed.TotalSeconds);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _path = Path.GetFullPath(path);
        _interval = interval;
        _gpu = gpu;
        _cpuSeconds = cpuSeconds ?? ProcessStats.ReadCpuSeconds;
        _rssMiB = rssMiB ?? ProcessStats.ReadRssMiB;
        _previousCpuSeconds = _cpuSeconds();
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        ResourceLog.EnsureHeader(_path);
        _thread = new Thread(Loop) { IsBackground = true, Name = "resource monitor" };
        _thread.Start();
    }

    /// <summary>The error that stopped sampling early, if any.</summary>
    public Exception? Error { get; private set; }

    /// <summary>
    /// The monitor a command uses on a run folder: nvidia-smi when it is installed, procfs for CPU and memory, a row every
    /// <paramref name="intervalSeconds"/> (<c>training.monitor_interval_s</c>); null when that is 0 (monitoring off).
    /// </summary>
    public static ResourceMonitor? StartForRun(string runDirectory, double intervalSeconds) =>
        intervalSeconds > 0 ? new(ResourceLog.PathIn(runDirectory), TimeSpan.FromSeconds(intervalSeconds), NvidiaSmi.TryFind()) : null;

    private void Loop()
    {
        while (!_stop.Token.WaitHandle.WaitOne(_interval))
        {
            if (!TryAppend()) return;
        }
    }

    private bool TryAppend()
    {
        try
        {
            ResourceLog.Append(_path, Sample());
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Error = e;
            return false;
        }
    }

    /// <summary>Takes one reading; CPU % is over the time since the previous reading.</summary>
    private ResourceSample Sample()
    {
        var time = DateTimeOffset.UtcNow;
        double elapsed = _elapsedSeconds();
        double? cpu = _cpuSeconds();
        double? cpuPercent = cpu is double now && _previousCpuSeconds is double before && elapsed > _previousElapsed
            ? Math.Max(0, 100 * (now - before) / (elapsed - _previousElapsed))
            : null;
        _previousCpuSeconds = cpu;
        _previousElapsed = elapsed;
        var gpu = _gpu?.Read();
        return new ResourceSample(time, elapsed, gpu?.UtilPercent, gpu?.MemoryMiB, gpu?.PowerWatts, gpu?.TemperatureC, cpuPercent, _rssMiB());
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _stop.Cancel();
        _thread.Join();
        if (Error is null) TryAppend();
        _stop.Dispose();
    }
}
