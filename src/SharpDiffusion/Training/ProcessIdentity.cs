using System.Diagnostics;
using System.Globalization;

namespace SharpDiffusion.Training;

/// <summary>
/// Names one process on this host for as long as the host runs: its pid alone is reused once the process exits, so a lock
/// record also stores the boot id and the process's start time (Linux: /proc/sys/kernel/random/boot_id and field 22 of
/// /proc/PID/stat), which no later process with the same pid shares.
/// </summary>
public static class ProcessIdentity
{
    /// <summary>The identity of the running process <paramref name="pid"/> on this host, or null when no such process runs.</summary>
    public static string? Of(int pid)
    {
        if (OperatingSystem.IsLinux()) return OfLinux(pid);
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime().Ticks.ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>This process's identity.</summary>
    public static string Current() => Of(Environment.ProcessId) ?? Environment.ProcessId.ToString(CultureInfo.InvariantCulture);

    private static string? OfLinux(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count fields after the last ')'. Field 22
        // (starttime) is the 20th after it.
        string[] fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20) return null;
        string bootId;
        try
        {
            bootId = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            bootId = "";
        }

        return $"{bootId}/{fields[19]}";
    }
}
