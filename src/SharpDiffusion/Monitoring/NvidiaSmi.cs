using System.Diagnostics;
using System.Globalization;

namespace SharpDiffusion.Monitoring;

/// <summary>
/// Reads the GPUs through <c>nvidia-smi --query-gpu=utilization.gpu,memory.used,power.draw,temperature.gpu
/// --format=csv,noheader,nounits</c> (field names as listed by <c>nvidia-smi --help-query-gpu</c>): one line per GPU,
/// comma-separated, units stripped; unsupported fields read "[N/A]" or "[Not Supported]". No NVML binding needed.
/// </summary>
public sealed class NvidiaSmi : IGpuProbe
{
    public const string QueryFields = "utilization.gpu,memory.used,power.draw,temperature.gpu";
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);
    private readonly string _executable;

    private NvidiaSmi(string executable) => _executable = executable;

    /// <summary>The probe when an <c>nvidia-smi</c> executable is on PATH, else null (a machine without an NVIDIA driver).</summary>
    public static NvidiaSmi? TryFind(string? path = null)
    {
        foreach (string dir in (path ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "nvidia-smi");
            if (File.Exists(candidate)) return new NvidiaSmi(candidate);
        }
        return null;
    }

    public GpuReading? Read()
    {
        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--query-gpu=" + QueryFields);
        start.ArgumentList.Add("--format=csv,noheader,nounits");
        try
        {
            using var process = Process.Start(start);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(QueryTimeout))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }
            return process.ExitCode == 0 ? Parse(output.GetAwaiter().GetResult()) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // vanished or not executable: a missing reading, not a failed run
        }
    }

    /// <summary>
    /// Combines the per-GPU lines into one reading: utilisation averaged, memory and power summed, temperature the maximum
    /// (a job normally sees only its own GPUs). Null when no line has the four fields.
    /// </summary>
    public static GpuReading? Parse(string output)
    {
        var gpus = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(',', StringSplitOptions.TrimEntries))
            .Where(fields => fields.Length == 4)
            .Select(fields => fields.Select(Number).ToArray())
            .ToList();
        if (gpus.Count == 0) return null;
        return new GpuReading(
            Combine(gpus.Select(g => g[0]), v => v.Average()),
            Combine(gpus.Select(g => g[1]), v => v.Sum()),
            Combine(gpus.Select(g => g[2]), v => v.Sum()),
            Combine(gpus.Select(g => g[3]), v => v.Max()));
    }

    private static double? Number(string field) =>
        double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : null;

    private static double? Combine(IEnumerable<double?> values, Func<IEnumerable<double>, double> combine)
    {
        var known = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        return known.Count == 0 ? null : combine(known);
    }
}
