using System.Security.Cryptography;
using System.Text.Json;
using SharpDiffusion.Data;
using SharpDiffusion.Training;
using SkiaSharp;

namespace SharpDiffusion.Tests.Cli;

/// <summary>
/// <c>ddpm eval --upscale</c> on a 2-step tiny base (8×8) and a 2-step tiny upscaler (8 → 16): what the entry records, which
/// real set it is measured against, the comparison grid, and the bad inputs (one sentence, exit 2, nothing written).
/// </summary>
public sealed class CliCascadeEvalTests : IDisposable
{
    private const int Samples = 8;
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-cascade-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string TinyExtractor = Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "tiny_features.pt");

    private string[] EvalArgs(string run) =>
    [
        "eval", "--run", run, "--n", Samples.ToString(System.Globalization.CultureInfo.InvariantCulture), "--steps", "2", "--device", "cpu",
        "--metrics", "fd,kid", "--extractor", "torchscript:" + TinyExtractor, "--cache", Path.Combine(_dir, "cache"),
    ];

    private string Train(string name, params string[] extra)
    {
        string run = Path.Combine(_dir, name);
        var result = CliRunner.Run(["train", "--out", run, "--steps", "2", .. CliRunner.TinyRun, .. extra]);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        return run;
    }

    /// <summary>A tiny upscaler from <paramref name="input"/>×<paramref name="input"/> to <paramref name="output"/>×<paramref name="output"/>.</summary>
    private string TrainUpscaler(string name, int input, int output) => Train(name, "--set", $"data.image_size={output}",
        "--set", $$"""model.super_resolution={"input_size": {{input}}, "augmentation_level": 0.3}""");

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "run.lock")
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void EvalUpscale_TinyCascade_RecordsBothStagesAndMeasuresAtTheOutputSize()
    {
        string baseRun = Train("base");
        string upscaler = TrainUpscaler("sr", 8, 16);

        var result = CliRunner.Run([.. EvalArgs(baseRun), "--upscale", upscaler, "--upscale-guidance", "0.5", "--upscale-sampler", "ddpm", "--upscale-steps", "3"]);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(baseRun, "evaluation_results.json")));
        var entry = Assert.Single(json.RootElement.GetProperty("entries").EnumerateArray());
        // The base stage's settings are the entry's own fields; the upscale stage's are under "upscale".
        Assert.Equal(("ddim", 2, 0.0), (entry.GetProperty("sampler").GetString(), entry.GetProperty("steps").GetInt32(), entry.GetProperty("guidance").GetDouble()));
        var up = entry.GetProperty("upscale");
        Assert.Equal(Path.GetFullPath(upscaler), up.GetProperty("run").GetString());
        Assert.Equal(2, up.GetProperty("step").GetInt32());
        Assert.Equal(0.3, up.GetProperty("augmentation_level").GetDouble()); // the upscaler's config default, no --aug-level given
        Assert.Equal(0.5, up.GetProperty("guidance").GetDouble());
        Assert.Equal(("ddpm", 3), (up.GetProperty("sampler").GetString(), up.GetProperty("steps").GetInt32()));
        Assert.Equal((8, 16), (up.GetProperty("input_size").GetInt32(), up.GetProperty("output_size").GetInt32()));
        Assert.Contains($"upscale={Path.GetFullPath(upscaler)}@2;aug_level=0.3", entry.GetProperty("settings_key").GetString(), StringComparison.Ordinal);

        // The real set is the base run's data source loaded at the upscaler's 16×16 through the normal pipeline: same content hash.
        var config = CheckpointFile.ReadMetadata(new RunDirectory(baseRun).LatestCheckpoint()!).Config;
        using (var real16 = DatasetLoader.Load(config.Data with { ImageSize = 16 }, null, out _, config.Seed))
        using (var real8 = DatasetLoader.Load(config.Data, null, out _, config.Seed))
        {
            Assert.Equal(real16.ContentHash, entry.GetProperty("dataset_hash").GetString());
            Assert.NotEqual(real8.ContentHash, real16.ContentHash);
        }

        // Eight rows of low | bicubic | SR, 16×16 tiles enlarged ×4 (ImageCodec.GridScale(16)), 2 px padding.
        string grid = entry.GetProperty("upscale_comparison_grid").GetString()!;
        Assert.Equal("cascade-step-000002-up-sr-2-s0.3-w0.5-ddpm3.png", grid);
        using (var bitmap = SKBitmap.Decode(Path.Combine(baseRun, grid)))
            Assert.Equal((2 + 3 * (64 + 2), 2 + 8 * (64 + 2)), (bitmap.Width, bitmap.Height));

        // A base-only evaluation of the same checkpoint is a second entry with its own settings key, not a skip.
        var plain = CliRunner.Run(EvalArgs(baseRun));
        Assert.True(plain.ExitCode == 0, plain.Stderr + plain.Stdout);
        Assert.DoesNotContain("skipped", plain.Stderr, StringComparison.Ordinal);
        using var both = JsonDocument.Parse(File.ReadAllText(Path.Combine(baseRun, "evaluation_results.json")));
        var entries = both.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal(1, entries.Count(e => e.GetProperty("upscale").ValueKind == JsonValueKind.Null));
        Assert.Equal(2, entries.Select(e => e.GetProperty("dataset_hash").GetString()).Distinct().Count());
    }

    [Fact]
    public void EvalUpscale_BadInputs_OneSentenceAndNothingWritten()
    {
        string baseRun = Train("base");
        string mismatched = TrainUpscaler("sr-4to8", 4, 8);
        var before = Snapshot(_dir);

        (string[] Args, string Message)[] cases =
        [
            ([.. EvalArgs(baseRun), "--upscale", baseRun], $"error: --upscale {baseRun} is a pixel model, not an upscaler; pass a run trained with model.super_resolution (e.g. ddpm train --config configs/demo-sr.json)."),
            ([.. EvalArgs(baseRun), "--upscale", mismatched], $"error: --upscale {mismatched} upscales 4×4 images but --run makes 8×8; train the upscaler with model.super_resolution.input_size=8."),
            ([.. EvalArgs(baseRun), "--upscale", mismatched, "--aug-level", "1.5"], "error: --aug-level 1.5 is outside [0, 1]; it is the fraction of the augmentation schedule (0 = clean input, 0.2 the usual choice)."),
            ([.. EvalArgs(baseRun), "--aug-level", "0.1"], "error: --aug-level, --upscale-guidance, --upscale-sampler and --upscale-steps need --upscale DIR (a super-resolution run)."),
        ];
        foreach (var (args, message) in cases)
        {
            var result = CliRunner.Run(args);
            Assert.Equal(2, result.ExitCode);
            Assert.Equal(message, Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        }
        Assert.Equal(before, Snapshot(_dir));
    }
}
