using System.Security.Cryptography;

namespace SharpDiffusion.Tests.Cli;

/// <summary>
/// A refused --resume (another model shape) must leave the run folder byte-identical, even with the resource monitor sampling
/// every 0.1 s: the shape is checked before the monitor starts. (CliBadInputTests caught this only when the machine was slow
/// enough for the default 5 s interval to elapse.)
/// </summary>
public sealed class CliResumeRefusalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-resume-refusal-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ResumeWithAnotherModel_WithAFastResourceMonitor_LeavesTheRunUntouched()
    {
        string run = Path.Combine(_dir, "run");
        var first = CliRunner.Run(["train", "--out", run, "--steps", "1", .. CliRunner.TinyRun, "--set", "training.monitor_interval_s=0.1"]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var before = Snapshot(run);

        var refused = CliRunner.Run(["train", "--out", run, "--steps", "2", "--resume", .. CliRunner.TinyRun,
            "--set", "model.dim=16", "--set", "training.monitor_interval_s=0.1"]);

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("another model shape", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(run));
    }

    private static Dictionary<string, string> Snapshot(string run) =>
        Directory.EnumerateFiles(run, "*", SearchOption.AllDirectories)
            .Where(p => Path.GetFileName(p) != "run.lock")
            .ToDictionary(p => Path.GetRelativePath(run, p), p => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))));
}
