using System.Diagnostics;
using System.Globalization;

namespace SharpDiffusion.Tests;

/// <summary>
/// Starts <c>sd-test-process</c> (tests/SharpDiffusion.TestProcess), a second real process that calls the library's locking
/// code, for races between processes rather than threads. Racing commands wait for a line on stdin: <see cref="Go"/>.
/// </summary>
internal static class TestProcesses
{
    /// <summary>No single helper command takes more than this even on a loaded machine; past it the test fails as hung (not as slow).</summary>
    public static readonly TimeSpan HangBound = TimeSpan.FromMinutes(2);

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sd-test-process.dll"));
        foreach (string a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    /// <summary>Releases every waiting process at once (one line on each stdin).</summary>
    public static void Go(IEnumerable<Process> processes)
    {
        foreach (var p in processes)
        {
            p.StandardInput.WriteLine("go");
            p.StandardInput.Flush();
        }
    }

    /// <summary>Waits for exit and returns (exit code, stdout, stderr); kills and fails a process that hangs.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Finish(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(HangBound))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"sd-test-process {process.Id.ToString(CultureInfo.InvariantCulture)} hung");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
