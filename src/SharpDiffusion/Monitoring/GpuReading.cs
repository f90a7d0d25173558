namespace SharpDiffusion.Monitoring;

/// <summary>What one query of the GPU(s) returned; any value the driver does not report is null.</summary>
public sealed record GpuReading(double? UtilPercent, double? MemoryMiB, double? PowerWatts, double? TemperatureC);

/// <summary>A source of GPU readings (nvidia-smi in production, a fixed reading in tests).</summary>
public interface IGpuProbe
{
    /// <summary>The current reading, or null when the query failed this time.</summary>
    GpuReading? Read();
}
