using System.Text.Json;
using SkiaSharp;

namespace SharpDiffusion.Tests.Cli;

/// <summary>
/// <c>ddpm eval</c> as a user runs it, on a 2-step tiny run with the tiny TorchScript extractor of
/// Evaluation/Fixtures (8-d features; the Inception would take minutes here): results file, CSV row, memorisation grid,
/// skipping an evaluation already done, and the error for a run without checkpoints.
/// </summary>
public sealed class CliEvalEndToEndTests : IDisposable
{
    private const int Samples = 8;
    private const int RealImages = 16; // data.synthetic_count in CliRunner.TinyRun

    private readonly string _dir = Directory.CreateTempSubdirectory("sd-eval-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string TinyExtractor = Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "tiny_features.pt");

    private string[] EvalArgs(string run, string frechet = "fd") =>
    [
        "eval", "--run", run, "--n", Samples.ToString(System.Globalization.CultureInfo.InvariantCulture), "--steps", "2", "--device", "cpu",
        "--metrics", frechet + ",kid,pr,memorization", "--extractor", "torchscript:" + TinyExtractor, "--cache", Path.Combine(_dir, "cache"),
    ];

    [Fact]
    public void Eval_TinyRun_WritesOneEntryCsvRowAndGrid_ThenSkipsTheSameSettings()
    {
        var run = Path.Combine(_dir, "run");
        var train = CliRunner.Run(["train", "--out", run, "--steps", "2", .. CliRunner.TinyRun]);
        Assert.True(train.ExitCode == 0, train.Stderr);

        var first = CliRunner.Run([.. EvalArgs(run), "--json"]);
        Assert.True(first.ExitCode == 0, first.Stderr + first.Stdout);
        using (var printed = JsonDocument.Parse(first.Stdout)) // --json: stdout holds the JSON document and nothing else
            Assert.Equal(2, Assert.Single(printed.RootElement.GetProperty("entries").EnumerateArray()).GetProperty("step").GetInt32());

        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "evaluation_results.json"))))
        {
            var entry = Assert.Single(json.RootElement.GetProperty("entries").EnumerateArray());
            Assert.Equal(2, entry.GetProperty("step").GetInt32());
            Assert.Equal(Samples, entry.GetProperty("n").GetInt32());
            Assert.Equal(RealImages, entry.GetProperty("real_count").GetInt32());
            Assert.Equal("ddim", entry.GetProperty("sampler").GetString());
            Assert.Equal(2, entry.GetProperty("steps").GetInt32());
            Assert.StartsWith("torchscript:tiny_features.pt", entry.GetProperty("extractor").GetString(), StringComparison.Ordinal);
            Assert.Equal(["fd", "kid", "pr", "memorization"], entry.GetProperty("metrics").EnumerateArray().Select(m => m.GetString()));

            // Requested metrics are finite numbers in their ranges; IS was not requested, so it is null.
            Assert.True(entry.GetProperty("fd").GetDouble() is >= 0 and < double.PositiveInfinity);
            Assert.True(double.IsFinite(entry.GetProperty("kid_mean").GetDouble()));
            Assert.Equal(Samples, entry.GetProperty("kid_subset_size").GetInt32()); // m = min(1000, n, real)
            foreach (var share in new[] { "precision", "recall", "memorization_share", "memorization_pixel_share" })
            {
                Assert.True(entry.GetProperty(share).GetDouble() is >= 0 and <= 1, share);
            }

            Assert.Equal(JsonValueKind.Null, entry.GetProperty("is_mean").ValueKind);
            Assert.Equal("memorization-step-000002.png", entry.GetProperty("memorization_grid").GetString());
            Assert.Equal(SharpDiffusion.Runtime.SoftwareVersions.Current.Tool, entry.GetProperty("software").GetProperty("tool").GetString());
            Assert.Equal(SharpDiffusion.Runtime.SoftwareVersions.Current.TorchSharp, entry.GetProperty("software").GetProperty("torchsharp").GetString());
        }

        var csv = File.ReadAllLines(Path.Combine(run, "evaluation.csv"));
        Assert.Equal(2, csv.Length);
        Assert.StartsWith("step,fd,", csv[0], StringComparison.Ordinal);
        Assert.StartsWith("2,", csv[1], StringComparison.Ordinal);

        // Eight (generated | nearest real) pairs of 8×8 images in two columns.
        using (var grid = SKBitmap.Decode(Path.Combine(run, "memorization-step-000002.png")))
        {
            Assert.NotNull(grid);
            Assert.True(grid.Height > grid.Width && grid.Width >= 2 * 8, $"{grid.Width}×{grid.Height}");
        }

        var resultsBefore = File.ReadAllText(Path.Combine(run, "evaluation_results.json"));
        // The old metric name "fid" is the same setting; --json puts the entry (found, not recomputed) alone on stdout.
        var second = CliRunner.Run([.. EvalArgs(run, frechet: "fid"), "--json"]);
        Assert.True(second.ExitCode == 0, second.Stderr + second.Stdout);
        Assert.Contains("already evaluated with these settings, skipped", second.Stderr, StringComparison.Ordinal);
        using (var printed = JsonDocument.Parse(second.Stdout))
        using (var stored = JsonDocument.Parse(resultsBefore))
        {
            var entry = Assert.Single(printed.RootElement.GetProperty("entries").EnumerateArray());
            var storedEntry = stored.RootElement.GetProperty("entries")[0];
            Assert.Equal(storedEntry.GetProperty("fd").GetDouble(), entry.GetProperty("fd").GetDouble());
            Assert.Equal(storedEntry.GetProperty("settings_key").GetString(), entry.GetProperty("settings_key").GetString());
            Assert.Equal("FD (torchscript:tiny_features.pt)", entry.GetProperty("frechet_label").GetString());
        }

        Assert.Equal(resultsBefore, File.ReadAllText(Path.Combine(run, "evaluation_results.json")));
        Assert.Equal(csv, File.ReadAllLines(Path.Combine(run, "evaluation.csv")));

        var guided = CliRunner.Run([.. EvalArgs(run), "--guidance", "2"]);
        Assert.Equal(2, guided.ExitCode);
        Assert.Equal("error: --guidance needs a class-conditional run; this one was trained without classes.", guided.Stderr.Trim());
    }

    [Fact]
    public void Eval_ClassConditionalRun_RecordsGuidanceAndSamplingTime()
    {
        var run = Path.Combine(_dir, "cfg-run");
        var train = CliRunner.Run(["train", "--out", run, "--steps", "2", .. CliRunner.TinyRun, "--set", "model.class_conditional=true"]);
        Assert.True(train.ExitCode == 0, train.Stderr);

        var result = CliRunner.Run([.. EvalArgs(run), "--guidance", "1.5"]);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "evaluation_results.json")));
        var entry = Assert.Single(json.RootElement.GetProperty("entries").EnumerateArray());
        Assert.Equal(1.5, entry.GetProperty("guidance").GetDouble());
        double sampling = entry.GetProperty("sampling_seconds").GetDouble();
        Assert.True(sampling > 0 && sampling <= entry.GetProperty("seconds").GetDouble(), $"sampling {sampling} s");
        Assert.Contains(",1.5,", File.ReadAllLines(Path.Combine(run, "evaluation.csv"))[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_HeldOutReferenceFolder_RecordsItAndABadReferenceChangesNothing()
    {
        var run = Path.Combine(_dir, "ref-run");
        var train = CliRunner.Run(["train", "--out", run, "--steps", "2", .. CliRunner.TinyRun]);
        Assert.True(train.ExitCode == 0, train.Stderr);
        // 12 held-out 24×24 grey images: another size than the run's 8×8, so they are resized like the training images.
        var reference = Directory.CreateDirectory(Path.Combine(_dir, "held-out")).FullName;
        for (var i = 0; i < 12; i++)
            File.WriteAllBytes(Path.Combine(reference, $"img{i:D2}.ppm"), [.. "P6\n24 24\n255\n"u8, .. Enumerable.Repeat((byte)(i * 20), 24 * 24 * 3)]);

        var result = CliRunner.Run([.. EvalArgs(run), "--reference", reference]);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);

        var resultsBefore = File.ReadAllText(Path.Combine(run, "evaluation_results.json"));
        using (var json = JsonDocument.Parse(resultsBefore))
        {
            var entry = Assert.Single(json.RootElement.GetProperty("entries").EnumerateArray());
            Assert.StartsWith($"folder '{reference}'", entry.GetProperty("reference").GetString(), StringComparison.Ordinal);
            Assert.EndsWith(": 12 images", entry.GetProperty("reference").GetString(), StringComparison.Ordinal);
            Assert.Equal(12, entry.GetProperty("reference_count").GetInt32());
            Assert.Equal(Samples, entry.GetProperty("precision_recall_per_side").GetInt32()); // min(8 samples, 12 reference images)
            Assert.Equal(RealImages, entry.GetProperty("real_count").GetInt32()); // memorisation: against the 16 training images
            var low = entry.GetProperty("memorization_ratio_low").GetDouble();
            var share = entry.GetProperty("memorization_ratio_share").GetDouble();
            Assert.True(low <= share && share <= entry.GetProperty("memorization_ratio_high").GetDouble(), $"{share}");
            Assert.Equal(1000, entry.GetProperty("memorization_ratio_resamples").GetInt32());
            Assert.Equal(RealImages, entry.GetProperty("memorization_normalized_distance_neighbors").GetInt32()); // fewer than 50 training images: all of them
            Assert.InRange(entry.GetProperty("memorization_normalized_distance_median").GetDouble(), 0, 1 / entry.GetProperty("memorization_normalized_distance_alpha").GetDouble());
        }

        var bad = CliRunner.Run([.. EvalArgs(run), "--reference", Path.Combine(_dir, "no-such")]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal($"error: --reference '{Path.Combine(_dir, "no-such")}' is neither 'test', a folder of images nor a feature or statistics file; pass one of those.", bad.Stderr.Trim());
        Assert.Equal(resultsBefore, File.ReadAllText(Path.Combine(run, "evaluation_results.json")));
    }

    [Fact]
    public void Eval_RunWithoutCheckpoints_IsOneLineError()
    {
        var run = Directory.CreateDirectory(Path.Combine(_dir, "empty-run")).FullName;
        var result = CliRunner.Run(EvalArgs(run));

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: {run} has no checkpoint yet; train it first (ddpm train --out {run}).", line);
        Assert.False(File.Exists(Path.Combine(run, "evaluation_results.json")));
    }
}
