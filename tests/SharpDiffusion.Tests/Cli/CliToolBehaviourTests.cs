using System.Globalization;
using System.Security.Cryptography;
using SharpDiffusion.Runtime;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Cli;

/// <summary>What people expect from a command-line tool (issue 14 §4): --version, --resume latest|FILE, fixed choices refused with the list.</summary>
public sealed class CliToolBehaviourTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-cli-tool-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Version_PrintsTheToolTorchSharpLibtorchAndTheOneDnnSetup()
    {
        var result = CliRunner.Run("--version");
        Assert.True(result.ExitCode == 0, result.Stderr);
        var v = SoftwareVersions.Current; // the same assembly as the child's, so the same versions
        string[] lines = result.Stdout.ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.StartsWith($"ddpm (SharpDiffusion) {v.Tool}", lines[0], StringComparison.Ordinal);
        if (v.Commit is not null) Assert.EndsWith($"commit {v.Commit}", lines[0], StringComparison.Ordinal);
        Assert.Equal($"TorchSharp {v.TorchSharp}", lines[1]);
        Assert.Equal($"libtorch {v.Libtorch}", lines[2]);
        Assert.Equal(OneDnnSetup.Current.Describe(), lines[3]); // the child decides from the same host and environment
    }

    [Fact]
    public void Train_RecordsTheSoftwareInEveryCheckpoint()
    {
        string run = Path.Combine(_dir, "run");
        var train = CliRunner.Run(["train", "--out", run, "--steps", "2", "--set", "training.checkpoint_every=1", "--set", "training.keep_last=0", .. CliRunner.TinyRun]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        foreach (var (_, path) in new RunDirectory(run).ListCheckpoints())
            Assert.Equal(SoftwareVersions.Current, CheckpointFile.ReadMetadata(path).Software);
    }

    [Fact]
    public void Resume_FromAnEarlierCheckpoint_IsRefusedInItsOwnRun_AndBranchesIntoANewFolder()
    {
        string run = Path.Combine(_dir, "run");
        var train = CliRunner.Run(["train", "--out", run, "--steps", "2", "--set", "training.checkpoint_every=1", "--set", "training.keep_last=0", .. CliRunner.TinyRun]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        var runDir = new RunDirectory(run);
        string first = runDir.CheckpointPath(1);
        string before = Fingerprint(run);

        var refused = CliRunner.Run("train", "--resume", first, "--steps", "3");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("later checkpoints (step-000002.ckpt)", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint(run)); // nothing in the run was touched

        string branch = Path.Combine(_dir, "branch");
        var branched = CliRunner.Run("train", "--resume", first, "--out", branch, "--steps", "3");
        Assert.True(branched.ExitCode == 0, branched.Stderr + branched.Stdout);
        Assert.Contains("resumed from step-000001.ckpt at step 1", branched.Stdout, StringComparison.Ordinal);
        // The branch's log holds only steps after the checkpoint (a step skipped as non-finite logs no row).
        Assert.All(new TrainingLog(new RunDirectory(branch).LogPath).Read(), row => Assert.InRange(row.Step, 2, 3));
        Assert.Equal(3, CheckpointFile.ReadMetadata(new RunDirectory(branch).LatestCheckpoint()!).Step);
        Assert.Equal(before, Fingerprint(run));

        var latest = CliRunner.Run("train", "--out", run, "--resume", "latest", "--steps", "3");
        Assert.True(latest.ExitCode == 0, latest.Stderr);
        Assert.Contains("resumed from step-000002.ckpt at step 2", latest.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Sampler_OutsideTheRegistry_IsRefusedWithTheRegistrysList()
    {
        var result = CliRunner.Run("sample", "--run", _dir, "--sampler", "lms");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("'lms'", result.Stderr, StringComparison.Ordinal);
        Assert.All(Samplers.Names, name => Assert.Contains($"'{name}'", result.Stderr, StringComparison.Ordinal));
    }

    [Fact]
    public void Help_ListsTheChoicesOfDeviceSamplerAndSpacing()
    {
        var result = CliRunner.Run("sample", "--help");
        Assert.Contains("--device <" + string.Join('|', NativeRuntime.DeviceNames) + ">", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--sampler <" + string.Join('|', Samplers.Names) + ">", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("--spacing <" + string.Join('|', TimestepSpacings.NamesWithAuto) + ">", result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Names, sizes and SHA-256 of every file under a folder.</summary>
    private static string Fingerprint(string folder) => string.Join('\n', Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
        .Where(f => !f.EndsWith("run.lock", StringComparison.Ordinal))
        .Select(f => string.Create(CultureInfo.InvariantCulture, $"{Path.GetRelativePath(folder, f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}")));
}
