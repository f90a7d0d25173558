using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Cli;

/// <summary>Three 2-step tiny runs for <see cref="CliEdmTests"/>: an EDM one, a DDPM one of the same shape, a class-conditional DDPM one.</summary>
public sealed class EdmRunsFixture : IDisposable
{
    public EdmRunsFixture()
    {
        Edm = Train("edm", "--config", DemoEdm());
        Ddpm = Train("ddpm");
        Classes = Train("classes", "--set", "model.class_conditional=true");
    }

    public string Dir { get; } = Directory.CreateTempSubdirectory("sd-edm-runs-").FullName;

    public string Edm { get; }

    public string Ddpm { get; }

    public string Classes { get; }

    private string Train(string name, params string[] extra)
    {
        string run = Path.Combine(Dir, name);
        var result = CliRunner.Run(["train", "--out", run, "--steps", "2", .. CliRunner.TinyRun, .. extra]);
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Stderr + result.Stdout);
        return run;
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    public static string DemoEdm([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "configs", "demo-edm.json"));
}

/// <summary>
/// The EDM formulation and the new samplers from the command line (issue 22): an EDM run records what it is, samples with
/// Heun over Karras σ's, and refuses what does not apply to it; autoguidance by the model itself is the model alone.
/// </summary>
public sealed class CliEdmTests(EdmRunsFixture runs) : IClassFixture<EdmRunsFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-edm-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static CliRunner.Result Sample(string run, params string[] args) => CliRunner.Run(["sample", "--run", run, "--device", "cpu", "--n", "3", .. args]);

    private static void AssertOk(CliRunner.Result result) => Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);

    [Fact]
    public void Train_Edm_RecordsTheFormulationSigmaDataAndANewCheckpointFormat()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(runs.Edm, "config.json")))!["diffusion"]!.AsObject();
        Assert.Equal("edm", (string?)config["formulation"]);
        Assert.Equal(0.5, (double)config["edm"]!["sigma_data"]!);
        Assert.False(config.ContainsKey("objective")); // ddpm-only keys are not written for EDM
        Assert.False(config.ContainsKey("timesteps"));
        var metadata = CheckpointFile.ReadMetadata(new RunDirectory(runs.Edm).LatestCheckpoint()!);
        Assert.Equal(CheckpointFile.FormulationFormatVersion, metadata.FormatVersion);
        Assert.Equal(CheckpointFile.FormatVersion, CheckpointFile.ReadMetadata(new RunDirectory(runs.Ddpm).LatestCheckpoint()!).FormatVersion);
    }

    [Theory]
    [InlineData("heun")]
    [InlineData("euler")]
    [InlineData("ddim")]
    [InlineData("dpm-solver++")]
    public void Sample_EdmRun_WithEverySamplerOnKarrasLevels(string sampler)
    {
        AssertOk(Sample(runs.Edm, "--sampler", sampler, "--steps", "3", "--out", P(sampler + ".png")));
        Assert.True(File.Exists(P(sampler + ".png")));
    }

    [Theory]
    [InlineData("heun")]
    [InlineData("dpm-solver++")]
    public void Sample_DdpmRun_WithKarrasSpacing(string sampler)
    {
        AssertOk(Sample(runs.Ddpm, "--sampler", sampler, "--spacing", "karras", "--steps", "3", "--out", P(sampler + ".png")));
        Assert.True(File.Exists(P(sampler + ".png")));
    }

    [Fact]
    public void Sample_AutoguidedByItself_EqualsTheModelAlone()
    {
        // D_guide + 2·(D − D_guide) with D_guide = D is 2D − D = D exactly in floating point, so the PNGs are byte-identical.
        AssertOk(Sample(runs.Edm, "--steps", "3", "--out", P("plain.png")));
        AssertOk(Sample(runs.Edm, "--steps", "3", "--guide", runs.Edm, "--autoguidance", "2", "--out", P("guided.png")));
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(P("plain.png"))), SHA256.HashData(File.ReadAllBytes(P("guided.png"))));
        // A DDPM guide of the same shape steers an EDM model (each through its own formulation): the images change.
        AssertOk(Sample(runs.Edm, "--steps", "3", "--guide", runs.Ddpm, "--autoguidance", "2", "--out", P("cross.png")));
        Assert.NotEqual(SHA256.HashData(File.ReadAllBytes(P("plain.png"))), SHA256.HashData(File.ReadAllBytes(P("cross.png"))));
    }

    [Theory]
    [InlineData("--spacing leading", "--spacing leading")]
    [InlineData("--churn -1", "S_churn")]
    [InlineData("--churn 5 --sampler ddim", "churn applies only to the euler and heun samplers")]
    [InlineData("--churn-min 1", "give --churn S")]
    [InlineData("--guide RUN", "--guide and --autoguidance go together")]
    [InlineData("--autoguidance 0.5 --guide RUN", "must be a finite number ≥ 1")]
    [InlineData("--autoguidance 2 --guide CLASSES", "the guide takes 5 classes but the model no classes")]
    public void Sample_BadInput_IsOneSentenceAndWritesNothing(string options, string message)
    {
        string[] args = [.. options.Split(' ').Select(a => a == "RUN" ? runs.Ddpm : a == "CLASSES" ? runs.Classes : a), "--out", P("never.png")];
        CliRunner.AssertOneLineError(Sample(runs.Edm, args), message);
        Assert.False(File.Exists(P("never.png")));
    }

    [Fact]
    public void Train_EdmWithDdpmKeys_IsRefusedBeforeAnythingIsWritten()
    {
        var result = CliRunner.Run(["train", "--config", EdmRunsFixture.DemoEdm(), "--out", P("run"), "--steps", "1", "--set", "diffusion.objective=x0", .. CliRunner.TinyRun]);
        CliRunner.AssertOneLineError(result, "formulation edm has no timesteps, schedule");
        Assert.False(Directory.Exists(P("run")));
    }
}
