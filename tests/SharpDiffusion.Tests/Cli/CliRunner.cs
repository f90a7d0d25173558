using System.Diagnostics;

namespace SharpDiffusion.Tests.Cli;

/// <summary>Runs the real <c>ddpm</c> executable (built next to the tests) in a child process, as a user would.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ddpm.dll"));
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "sd-cli-test-cache");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ddpm {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>
    /// Runs ddpm and sends it SIGTERM once a line of its stdout satisfies <paramref name="signalAfter"/> (as SLURM does at a
    /// time limit); fails when no such line comes within 3 minutes or the process outlives the signal by 2.
    /// </summary>
    public static Result RunUntilTerminated(Func<string, bool> signalAfter, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ddpm.dll"));
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "sd-cli-test-cache");
        using var process = Process.Start(info)!;
        using var reached = new ManualResetEventSlim();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            if (signalAfter(e.Data)) reached.Set();
        };
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            Assert.True(reached.Wait(TimeSpan.FromMinutes(3)), $"ddpm {string.Join(' ', args)} never printed the line to stop after: " + string.Join('\n', output));
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), $"ddpm {string.Join(' ', args)} still running 2 minutes after SIGTERM");
            process.WaitForExit(); // the output has been read to its end
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return new Result(process.ExitCode, string.Join('\n', output), stderr.Result);
    }

    /// <summary>
    /// A usage error as the CLI reports one: exactly one line on stderr, "error: …" containing <paramref name="mustContain"/>,
    /// and exit code <paramref name="exitCode"/> (null: any non-zero code).
    /// </summary>
    public static void AssertOneLineError(Result result, string mustContain, int? exitCode = 2)
    {
        if (exitCode is int code) Assert.Equal(code, result.ExitCode);
        else Assert.NotEqual(0, result.ExitCode);
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{result.Stderr}");
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(mustContain, lines[0], StringComparison.Ordinal);
    }

    /// <summary>Options for a run small enough to train in a second or two.</summary>
    public static readonly string[] TinyRun =
    [
        "--device", "cpu", "--set", "data.image_size=8", "--set", "data.synthetic_count=16", "--set", "model.dim=8",
        "--set", "model.dim_mults=[1,2]", "--set", "model.res_blocks=1", "--set", "model.attention_resolutions=[]", "--set", "model.groups=4",
        "--set", "model.class_conditional=false", // the demo config is class-conditional; tests opt in where they need it
        "--set", "training.batch_size=2", "--set", "training.sample_steps=2", "--set", "training.sample_count=4", "--set", "training.log_every=1",
    ];
}
