using System.Globalization;
using SharpDiffusion.Training;

namespace SharpDiffusion.Monitoring;

/// <summary>
/// <c>resources.csv</c> in a run folder: time (UTC, ISO 8601), elapsed_s, gpu_util_pct, gpu_mem_mib, gpu_power_w,
/// gpu_temp_c, cpu_pct, rss_mib. An unknown value is an empty field. Append-only: a resumed run adds rows (elapsed_s
/// restarts at 0 with each process; time orders them). Training and <c>ddpm eval</c> may both monitor one run at once:
/// each append (and the header) is written under <c>resources.csv.lock</c>, in one write, so rows never interleave.
/// </summary>
public static class ResourceLog
{
    public const string FileName = "resources.csv";
    public const string Header = "time,elapsed_s,gpu_util_pct,gpu_mem_mib,gpu_power_w,gpu_temp_c,cpu_pct,rss_mib";
    private const int FieldCount = 8;

    /// <summary>How long an append waits for another process's append (each holds the lock for milliseconds).</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Where a run folder keeps its resource log.</summary>
    public static string PathIn(string runDirectory) => Path.Combine(runDirectory, FileName);

    /// <summary>Creates the log with its header when it is missing or empty; leaves an existing log as it is.</summary>
    public static void EnsureHeader(string path) => AppendUnderLock(path, null);

    /// <summary>Appends one row (and the header first, when the file is new).</summary>
    public static void Append(string path, ResourceSample sample) => AppendUnderLock(path, Format(sample));

    private static void AppendUnderLock(string path, string? row)
    {
        using var held = LockFile.Acquire(path + ".lock", LockTimeout);
        using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
        string text = (file.Length == 0 ? Header + "\n" : "") + (row is null ? "" : row + "\n");
        if (text.Length == 0) return;
        file.Seek(0, SeekOrigin.End);
        file.Write(System.Text.Encoding.UTF8.GetBytes(text));
    }

    public static string Format(ResourceSample s) => string.Join(',',
        s.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        s.ElapsedSeconds.ToString("F3", CultureInfo.InvariantCulture),
        Field(s.GpuUtilPercent, "F0"), Field(s.GpuMemoryMiB, "F0"), Field(s.GpuPowerWatts, "F2"), Field(s.GpuTemperatureC, "F0"),
        Field(s.CpuPercent, "F1"), Field(s.RssMiB, "F1"));

    /// <summary>The rows of a resource log; a torn or malformed line (a crash mid-write) is skipped. A missing file has no rows.</summary>
    public static IReadOnlyList<ResourceSample> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var rows = new List<ResourceSample>();
        foreach (string line in File.ReadLines(path))
        {
            if (line == Header) continue;
            string[] f = line.Split(',');
            if (f.Length != FieldCount
                || !DateTimeOffset.TryParse(f[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                || !double.TryParse(f[1], CultureInfo.InvariantCulture, out double elapsed)
                || !TryOptional(f[2], out var util) || !TryOptional(f[3], out var mem) || !TryOptional(f[4], out var power)
                || !TryOptional(f[5], out var temp) || !TryOptional(f[6], out var cpu) || !TryOptional(f[7], out var rss))
            {
                continue;
            }
            rows.Add(new ResourceSample(time, elapsed, util, mem, power, temp, cpu, rss));
        }
        return rows;
    }

    private static string Field(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "";

    private static bool TryOptional(string field, out double? value)
    {
        value = null;
        if (field.Length == 0) return true;
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)) return false;
        value = v;
        return true;
    }
}
