using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SharpDiffusion.Cli.Commands;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Cli;

/// <summary>
/// Issue 15 item 4: <c>ddpm sweep</c> stopped by SIGTERM (a SLURM time limit) exits with the interrupted code, leaving the
/// running run checkpointed and the next one untouched; the same command again resumes the first, trains the second, and a
/// third time skips both.
/// </summary>
public sealed partial class CliSweepInterruptTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-sweep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"^step (\d+)/")]
    private static partial Regex StepLine();

    [Fact]
    public async Task Sweep_Sigterm_ExitsInterruptedAndTheSameCommandResumesThenSkips()
    {
        string[] configs = ["first", "second"];
        foreach (string name in configs)
            File.WriteAllText(Path.Combine(_dir, name + ".json"), $$"""{ "name": "{{name}}", "data": { "source": "synthetic" } }""");
        string runs = Path.Combine(_dir, "runs");
        string[] Sweep(int steps) =>
        [
            "sweep", "--configs", .. configs.Select(c => Path.Combine(_dir, c + ".json")), "--out", runs, .. CliRunner.TinyRun,
            "--set", $"training.steps={steps.ToString(CultureInfo.InvariantCulture)}", "--set", "training.checkpoint_every=100000",
        ];

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ddpm.dll"));
        foreach (string a in Sweep(100_000)) info.ArgumentList.Add(a);
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "sd-cli-test-cache");
        using var process = Process.Start(info)!;
        var reachedStep3 = new ManualResetEventSlim();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            if (StepLine().Match(e.Data) is { Success: true } m && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) >= 3) reachedStep3.Set();
        };
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            Assert.True(reachedStep3.Wait(TimeSpan.FromMinutes(3)), "the sweep never reached step 3: " + string.Join('\n', output));
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "ddpm sweep hung after SIGTERM");
            process.WaitForExit();
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        string errors = await stderr;
        Assert.True(process.ExitCode == CliErrors.Interrupted, $"exit {process.ExitCode}: {errors}");
        var first = new RunDirectory(Path.Combine(runs, "first"));
        int stopped = CheckpointFile.ReadMetadata(first.LatestCheckpoint()!).Step;
        Assert.InRange(stopped, 3, 99_999);
        Assert.False(new RunDirectory(Path.Combine(runs, "second")).HasRunContent);

        var again = CliRunner.Run(Sweep(stopped + 2));
        Assert.True(again.ExitCode == 0, again.Stderr + again.Stdout);
        Assert.Contains($"resumed from step-{stopped:D6}.ckpt at step {stopped}", again.Stdout, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, stopped + 2), new TrainingLog(first.LogPath).Read().Select(r => r.Step));
        Assert.Equal(stopped + 2, CheckpointFile.ReadMetadata(new RunDirectory(Path.Combine(runs, "second")).LatestCheckpoint()!).Step);

        var third = CliRunner.Run(Sweep(stopped + 2));
        Assert.True(third.ExitCode == 0, third.Stderr);
        Assert.Contains("first: finished, skipped", third.Stdout, StringComparison.Ordinal);
        Assert.Contains("second: finished, skipped", third.Stdout, StringComparison.Ordinal);
    }
}
