using System.Security.Cryptography;

namespace SharpDiffusion.Tests.Cli;

/// <summary>Every mistake a user can make gives one sentence on stderr, a non-zero exit, no stack trace, and no damage.</summary>
public sealed class CliBadInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void AssertOneLineError(CliRunner.Result result, string mustContain) => CliRunner.AssertOneLineError(result, mustContain);

    /// <summary>Hashes of every file a run keeps (run.lock only names the last process that held the folder).</summary>
    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "run.lock")
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private string TrainTiny(string name, int steps, params string[] extra)
    {
        string run = Path.Combine(_dir, name);
        var result = CliRunner.Run(["train", "--out", run, "--steps", steps.ToString(System.Globalization.CultureInfo.InvariantCulture), .. CliRunner.TinyRun, .. extra]);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        return run;
    }

    [Fact]
    public void Train_MissingDataFolder_NamesIt()
    {
        string missing = Path.Combine(_dir, "nope");
        AssertOneLineError(CliRunner.Run("train", "--data", missing, "--out", Path.Combine(_dir, "r")), missing);
        Assert.False(Directory.Exists(Path.Combine(_dir, "r")));
    }

    [Fact]
    public void Train_EmptyFolderOrOnlyCorruptImages_IsAClearError()
    {
        string empty = Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName;
        AssertOneLineError(CliRunner.Run("train", "--data", empty, "--out", Path.Combine(_dir, "r1")), empty);

        string corrupt = Directory.CreateDirectory(Path.Combine(_dir, "corrupt")).FullName;
        File.WriteAllBytes(Path.Combine(corrupt, "a.png"), [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        File.WriteAllText(Path.Combine(corrupt, "b.jpg"), "not a jpeg");
        AssertOneLineError(CliRunner.Run("train", "--data", corrupt, "--out", Path.Combine(_dir, "r2")), corrupt);
    }

    [Fact]
    public void Train_ConfigWithATypo_NamesTheKey()
    {
        string config = Path.Combine(_dir, "typo.json");
        File.WriteAllText(config, """{ "training": { "stpes": 10 } }""");
        AssertOneLineError(CliRunner.Run("train", "--config", config, "--out", Path.Combine(_dir, "r")), "training.stpes");
        AssertOneLineError(CliRunner.Run("train", "--set", "model.dimm=3", "--out", Path.Combine(_dir, "r")), "model.dimm");
    }

    [Fact]
    public void Train_CudaWithoutCuda_SaysWhatToInstall()
    {
        AssertOneLineError(CliRunner.Run("train", "--out", Path.Combine(_dir, "r"), "--device", "cuda", "--set", "data.image_size=8"), "CUDA");
        Assert.False(Directory.Exists(Path.Combine(_dir, "r")));
    }

    [Fact]
    public void Train_IntoAnExistingRunOrResumeWithAnotherModel_RefusesAndLeavesTheRunUntouched()
    {
        string run = TrainTiny("run", 2);
        var before = Snapshot(run);

        AssertOneLineError(CliRunner.Run(["train", "--out", run, "--steps", "4", .. CliRunner.TinyRun]), "--resume");
        AssertOneLineError(CliRunner.Run(["train", "--out", run, "--steps", "4", "--resume", .. CliRunner.TinyRun, "--set", "model.dim=16"]), "another model shape");

        Assert.Equal(before, Snapshot(run));
    }

    [Fact]
    public void Sample_BadArguments_AreClearErrors()
    {
        string run = TrainTiny("run", 1);
        AssertOneLineError(CliRunner.Run("sample", "--run", run, "--n", "0"), "--n");
        AssertOneLineError(CliRunner.Run("sample", "--run", Path.Combine(_dir, "none")), "does not exist");
        AssertOneLineError(CliRunner.Run("sample", "--run", run, "--sampler", "lms"), "lms");
        AssertOneLineError(CliRunner.Run("sample", "--run", run, "--class", "circle"), "without classes");
        AssertOneLineError(CliRunner.Run("sample", "--run", run, "--steps", "5000"), "5000");
        AssertOneLineError(CliRunner.Run("sample", "--run", run, "--guidance", "2"), "without classes, so --guidance");

        string damaged = Path.Combine(run, "checkpoints", "step-000001.ckpt");
        byte[] bytes = File.ReadAllBytes(damaged);
        File.WriteAllBytes(damaged, bytes[..(bytes.Length / 2)]);
        AssertOneLineError(CliRunner.Run("sample", "--run", run), "step-000001.ckpt");
    }

    [Fact]
    public void Sample_ClassConditionalRun_NamedClassAllClassesAndUnknownClass()
    {
        string run = TrainTiny("cfg", 2, "--set", "model.class_conditional=true", "--set", "training.sample_guidance=2");
        Assert.True(File.Exists(Path.Combine(run, "samples", "step-000002.png")), "the training grid of a conditional run");

        string all = Path.Combine(_dir, "all.png");
        var result = CliRunner.Run("sample", "--run", run, "--n", "6", "--steps", "2", "--class", "all", "--guidance", "2", "--out", all);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.True(File.Exists(all));
        Assert.Equal(0, CliRunner.Run("sample", "--run", run, "--n", "2", "--steps", "2", "--class", "STAR", "--out", Path.Combine(_dir, "star.png")).ExitCode);

        // Without --class a conditional run samples the classes in turn: the same images as --class all.
        string byDefault = Path.Combine(_dir, "default.png");
        Assert.Equal(0, CliRunner.Run("sample", "--run", run, "--n", "6", "--steps", "2", "--out", byDefault).ExitCode);
        string allUnguided = Path.Combine(_dir, "all-unguided.png");
        Assert.Equal(0, CliRunner.Run("sample", "--run", run, "--n", "6", "--steps", "2", "--class", "all", "--out", allUnguided).ExitCode);
        Assert.Equal(File.ReadAllBytes(allUnguided), File.ReadAllBytes(byDefault));
        string none = Path.Combine(_dir, "none.png");
        Assert.Equal(0, CliRunner.Run("sample", "--run", run, "--n", "6", "--steps", "2", "--class", "none", "--out", none).ExitCode);
        Assert.NotEqual(File.ReadAllBytes(allUnguided), File.ReadAllBytes(none));

        AssertOneLineError(CliRunner.Run("sample", "--run", run, "--class", "none", "--guidance", "2"), "--guidance needs class labels");
        AssertOneLineError(CliRunner.Run("sample", "--run", run, "--class", "hexagon"), "circle, square, triangle, plus, star (or all, none)");
        AssertOneLineError(CliRunner.Run("train", "--out", Path.Combine(_dir, "neg"), "--set", "training.sample_guidance=-1"), "training.sample_guidance");
    }
}
