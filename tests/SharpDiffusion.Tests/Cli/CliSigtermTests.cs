using System.Diagnostics;
using System.Text.RegularExpressions;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Cli;

/// <summary>
/// SIGTERM is what SLURM sends before killing a job at its time limit (issue 7 item 2): `ddpm train` must checkpoint the step
/// it reached and exit within a bounded time, and `--resume` must continue from exactly there.
/// </summary>
public sealed partial class CliSigtermTests : IDisposable
{
    /// <summary>A hang guard, not a speed requirement: a loaded 2-core machine must never fail this test by being slow.</summary>
    private static readonly TimeSpan ExitBound = TimeSpan.FromMinutes(2);
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-sigterm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"^step (\d+)/")]
    private static partial Regex StepLine();

    [GeneratedRegex(@"stopped at step (\d+)")]
    private static partial Regex StoppedLine();

    [Fact]
    public async Task Sigterm_CheckpointsTheCurrentStepExitsPromptlyAndResumes()
    {
        string run = Path.Combine(_dir, "run");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ddpm.dll"));
        // Far more steps than the test waits for, and no periodic checkpoint before the signal: the one found must be SIGTERM's.
        foreach (string a in (string[])["train", "--out", run, "--steps", "100000", "--set", "training.checkpoint_every=100000", .. CliRunner.TinyRun])
            info.ArgumentList.Add(a);
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "sd-cli-test-cache");
        using var process = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var reachedStep3 = new ManualResetEventSlim();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            if (StepLine().Match(e.Data) is { Success: true } m && int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 3) reachedStep3.Set();
        };
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            Assert.True(reachedStep3.Wait(TimeSpan.FromMinutes(2)), "training never reached step 3: " + string.Join('\n', output));

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(process.WaitForExit(ExitBound), $"ddpm train still running {ExitBound.TotalSeconds} s after SIGTERM");
            process.WaitForExit(); // drains the asynchronous stdout reader
            string errors = await stderr;
            Assert.True(process.ExitCode == 75, $"exit {process.ExitCode} (expected 75, EX_TEMPFAIL: stopped with a checkpoint): {errors}");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }

        var stopped = output.Select(l => StoppedLine().Match(l)).SingleOrDefault(m => m.Success);
        Assert.True(stopped is not null, "no 'stopped at step N' line: " + string.Join('\n', output));
        int step = int.Parse(stopped.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(step, 3, 99_999);
        var runDir = new RunDirectory(run);
        Assert.Equal(runDir.CheckpointPath(step), runDir.LatestCheckpoint());
        Assert.Equal(step, CheckpointFile.ReadMetadata(runDir.CheckpointPath(step)).Step);
        Assert.Equal(step, new TrainingLog(runDir.LogPath).Read()[^1].Step);

        var resumed = CliRunner.Run("train", "--out", run, "--resume", "--steps", (step + 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"resumed from step-{step:D6}.ckpt at step {step}", resumed.Stdout, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, step + 2), new TrainingLog(runDir.LogPath).Read().Select(r => r.Step));
        Assert.Equal(runDir.CheckpointPath(step + 2), runDir.LatestCheckpoint());
    }
}
