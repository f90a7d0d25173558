namespace SharpDiffusion.Monitoring;

/// <summary>
/// One row of <c>resources.csv</c>. GPU values are null where no GPU (or no nvidia-smi) is visible or the driver reports
/// "[N/A]"; CPU is null on the first sample of a process (a percentage needs two readings).
/// </summary>
/// <param name="ElapsedSeconds">Seconds since the monitor started.</param>
/// <param name="GpuUtilPercent">utilization.gpu, averaged over the visible GPUs.</param>
/// <param name="GpuMemoryMiB">memory.used, summed over the visible GPUs.</param>
/// <param name="GpuPowerWatts">power.draw, summed over the visible GPUs.</param>
/// <param name="GpuTemperatureC">temperature.gpu, the hottest visible GPU.</param>
/// <param name="CpuPercent">This process's CPU time over wall time since the previous row, in percent of one core (top's convention: 200 = two cores busy).</param>
/// <param name="RssMiB">Resident set size of this process.</param>
public sealed record ResourceSample(
    DateTimeOffset Time,
    double ElapsedSeconds,
    double? GpuUtilPercent,
    double? GpuMemoryMiB,
    double? GpuPowerWatts,
    double? GpuTemperatureC,
    double? CpuPercent,
    double? RssMiB);
