namespace SharpDiffusion.Tests.Cli;

/// <summary>data.augment through the real <c>ddpm</c>: a run trains and samples with it; a mistake is one sentence and writes nothing.</summary>
public sealed class CliAugmentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-cli-aug-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Train_AugmentPOutOfRangeOrUnknownKey_OneSentenceAndNothingWritten()
    {
        string run = Path.Combine(_dir, "r");
        CliRunner.AssertOneLineError(CliRunner.Run(["train", "--out", run, .. CliRunner.TinyRun, "--set", """data.augment={"p": 1.5}"""]), "'data.augment.p' must be a probability in [0, 1]");
        CliRunner.AssertOneLineError(CliRunner.Run(["train", "--out", run, .. CliRunner.TinyRun, "--set", """data.augment={"rotation": true}"""]), "data.augment.rotation");
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Train_WithAugment_ThenSampleFromTheCheckpointAlone()
    {
        string run = Path.Combine(_dir, "aug");
        var trained = CliRunner.Run(["train", "--out", run, "--steps", "2", .. CliRunner.TinyRun, "--set", """data.augment={"p": 0.5}"""]);
        Assert.True(trained.ExitCode == 0, trained.Stderr + trained.Stdout);
        string png = Path.Combine(_dir, "s.png");
        var sampled = CliRunner.Run("sample", "--run", run, "--n", "2", "--out", png, "--device", "cpu");
        Assert.True(sampled.ExitCode == 0, sampled.Stderr + sampled.Stdout);
        Assert.True(File.Exists(png));
    }
}
