using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SharpDiffusion.Tests.Cli;

/// <summary>
/// SIGTERM during <c>ddpm eval --checkpoints all</c> (issue 14 §4): the entries finished so far are kept, the command exits 75
/// (EX_TEMPFAIL) rather than 0, and running it again evaluates only what is left.
/// </summary>
public sealed class CliEvalInterruptTests : IDisposable
{
    private const int Checkpoints = 3;
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-eval-stop-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Sigterm_ExitsWith75_KeepsFinishedEntries_AndARerunCompletesTheRest()
    {
        string run = Path.Combine(_dir, "run");
        var train = CliRunner.Run(["train", "--out", run, "--steps", Checkpoints.ToString(CultureInfo.InvariantCulture),
            "--set", "training.checkpoint_every=1", "--set", "training.keep_last=0", .. CliRunner.TinyRun]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        string extractor = Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "tiny_features.pt");
        string[] eval = ["eval", "--run", run, "--checkpoints", "all", "--n", "8", "--steps", "2", "--device", "cpu", "--metrics", "fid",
            "--extractor", "torchscript:" + extractor, "--cache", Path.Combine(_dir, "cache")];

        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ddpm.dll"));
        foreach (string a in eval) info.ArgumentList.Add(a);
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "sd-cli-test-cache");
        using var process = Process.Start(info)!;
        var realSetLoaded = new ManualResetEventSlim();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            output.Enqueue(e.Data);
            if (e.Data.StartsWith("real set:", StringComparison.Ordinal)) realSetLoaded.Set(); // the signal handler is long registered by then
        };
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            Assert.True(realSetLoaded.Wait(TimeSpan.FromMinutes(2)), "eval never loaded its real set: " + string.Join('\n', output));
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
            Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "ddpm eval still running 2 minutes after SIGTERM");
            process.WaitForExit();
            string errors = await stderr;
            Assert.True(process.ExitCode == 75, $"exit {process.ExitCode}, expected 75: {errors}\n{string.Join('\n', output)}");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        Assert.Contains(output, line => line.StartsWith("stopped", StringComparison.Ordinal));
        int kept = Entries(run);
        Assert.InRange(kept, 0, Checkpoints - 1); // stopped before the last checkpoint began

        var rerun = CliRunner.Run(eval);
        Assert.True(rerun.ExitCode == 0, rerun.Stderr + rerun.Stdout);
        Assert.Equal(Checkpoints, Entries(run));
        Assert.Equal(kept, rerun.Stdout.Split('\n').Count(l => l.Contains("already evaluated with these settings", StringComparison.Ordinal)));
    }

    private static int Entries(string run)
    {
        string path = Path.Combine(run, "evaluation_results.json");
        if (!File.Exists(path)) return 0;
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        return json.RootElement.GetProperty("entries").GetArrayLength();
    }
}
