using System.Globalization;

namespace SharpDiffusion.Monitoring;

/// <summary>This process's CPU time and resident memory, read from Linux procfs (proc(5)).</summary>
public static class ProcessStats
{
    /// <summary>
    /// USER_HZ, the unit of utime/stime in /proc/[pid]/stat. proc(5) says to divide by sysconf(_SC_CLK_TCK); on Linux that is
    /// USER_HZ, which the kernel's user ABI fixes at 100 on x86-64 and arm64 whatever the kernel's internal HZ.
    /// </summary>
    public const double ClockTicksPerSecond = 100;

    /// <summary>utime + stime of the process in seconds, from the text of <c>/proc/[pid]/stat</c>.</summary>
    /// <remarks>Fields are counted after the last ')' because the command name (field 2) may itself contain spaces and parentheses.</remarks>
    public static double ParseCpuSeconds(string statText)
    {
        int close = statText.LastIndexOf(')');
        if (close < 0) throw new FormatException("not a /proc/[pid]/stat line: no ')' after the command name");
        string[] rest = statText[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
        const int utimeIndex = 14 - 3, stimeIndex = 15 - 3;
        if (rest.Length <= stimeIndex) throw new FormatException("/proc/[pid]/stat line is too short");
        long utime = long.Parse(rest[utimeIndex], CultureInfo.InvariantCulture);
        long stime = long.Parse(rest[stimeIndex], CultureInfo.InvariantCulture);
        return (utime + stime) / ClockTicksPerSecond;
    }

    /// <summary>VmRSS in MiB from the text of <c>/proc/[pid]/status</c> ("VmRSS:	  123456 kB"), or null when absent.</summary>
    public static double? ParseRssMiB(string statusText)
    {
        foreach (string line in statusText.Split('\n'))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            string[] parts = line["VmRSS:".Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[1] == "kB" && long.TryParse(parts[0], CultureInfo.InvariantCulture, out long kib)) return kib / 1024.0;
        }
        return null;
    }

    /// <summary>CPU seconds used so far by this process, or null where procfs is not available.</summary>
    public static double? ReadCpuSeconds() => TryRead("/proc/self/stat") is string text ? ParseCpuSeconds(text) : null;

    /// <summary>Resident memory of this process in MiB, or null where procfs is not available.</summary>
    public static double? ReadRssMiB() => TryRead("/proc/self/status") is string text ? ParseRssMiB(text) : null;

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
