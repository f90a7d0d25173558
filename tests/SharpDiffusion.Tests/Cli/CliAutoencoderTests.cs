using System.Text.Json;

namespace SharpDiffusion.Tests.Cli;

/// <summary><c>ddpm train</c> and <c>ddpm eval</c> on an autoencoder run, and its bad input.</summary>
public sealed class CliAutoencoderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-cli-ae-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string TinyExtractor = Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "tiny_features.pt");

    /// <summary>CliRunner.TinyRun's 16 synthetic images at 16×16, as a small f = 4 autoencoder without the perceptual term.</summary>
    private static readonly string[] TinyAutoencoder =
    [
        .. CliRunner.TinyRun, "--set", "data.image_size=16", "--set", "training.optimizer=adam",
        "--set", """model.autoencoder={"factor": 4, "dim": 8, "res_blocks": 1, "groups": 4, "perceptual_weight": 0}""",
    ];

    [Fact]
    public void TrainThenEval_TinyAutoencoder_RecordsReconstructionPsnrSsimAndFrechetAgainstOriginals()
    {
        string run = Path.Combine(_dir, "ae");
        var train = CliRunner.Run(["train", "--out", run, "--steps", "2", .. TinyAutoencoder]);
        Assert.True(train.ExitCode == 0, train.Stderr + train.Stdout);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "samples"), "*.png"));

        var eval = CliRunner.Run(["eval", "--run", run, "--n", "8", "--device", "cpu", "--extractor", "torchscript:" + TinyExtractor, "--cache", Path.Combine(_dir, "cache"), "--json"]);
        Assert.True(eval.ExitCode == 0, eval.Stderr + eval.Stdout);
        using var printed = JsonDocument.Parse(eval.Stdout);
        var entry = Assert.Single(printed.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal("reconstruction", entry.GetProperty("sampler").GetString());
        Assert.Equal("reconstructions vs originals", entry.GetProperty("compared").GetString());
        Assert.Equal(8, entry.GetProperty("n").GetInt32());
        Assert.InRange(entry.GetProperty("reconstruction_psnr").GetDouble(), 0, 100);
        Assert.InRange(entry.GetProperty("reconstruction_ssim").GetDouble(), -1, 1);
        Assert.True(entry.GetProperty("fd").GetDouble() >= 0);
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("kid_mean").ValueKind);
        Assert.Contains(entry.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("kid: not applicable", StringComparison.Ordinal));
    }

    [Fact]
    public void Train_FactorThatDoesNotDivideTheImageSize_IsOneSentenceAndWritesNothing()
    {
        string run = Path.Combine(_dir, "bad");
        var result = CliRunner.Run(["train", "--out", run, "--steps", "2", .. TinyAutoencoder, "--set", "data.image_size=12", "--set", "model.autoencoder.factor=8"]);

        Assert.NotEqual(0, result.ExitCode);
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{result.Stderr}");
        Assert.Contains("'model.autoencoder.factor' (8) must divide data.image_size (12)", lines[0], StringComparison.Ordinal);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Sample_AutoencoderRun_IsRefusedInOneSentence()
    {
        string run = Path.Combine(_dir, "ae-sample");
        Assert.Equal(0, CliRunner.Run(["train", "--out", run, "--steps", "1", .. TinyAutoencoder]).ExitCode);
        var result = CliRunner.Run("sample", "--run", run, "--n", "2", "--out", Path.Combine(_dir, "s.png"), "--device", "cpu");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("is an autoencoder, not a diffusion model", result.Stderr, StringComparison.Ordinal);
    }
}
