using System.Text.Json;
using System.Text.RegularExpressions;
using SharpDiffusion.Data;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Cli;

/// <summary>
/// <c>ddpm sweep --eval</c> with <c>ddpm eval</c>'s options (<c>--eval-n</c>, <c>--eval-steps</c>, …) through the real
/// executable: options no run could be evaluated with are refused before anything trains, and a tiny EDM run is evaluated
/// as asked, with its own sampler (Heun) when none is named.
/// </summary>
public sealed partial class CliSweepEvalTests : IDisposable
{
    private static readonly string TinyExtractor = "torchscript:" + Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "tiny_features.pt");

    private readonly string _dir = Directory.CreateTempSubdirectory("sd-sweep-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Runs => Path.Combine(_dir, "runs");

    private string Config(string name, string diffusion = "")
    {
        string path = Path.Combine(_dir, name + ".json");
        File.WriteAllText(path, $$"""{ "name": "{{name}}", "data": { "source": "synthetic", "image_size": 8, "synthetic_count": 16 }{{diffusion}} }""");
        return path;
    }

    [GeneratedRegex(@"[ \t]*\r?\n")]
    private static partial Regex LineBreak();

    /// <summary>The console's lines joined again (it wraps long ones at 80 columns when its output is not a terminal).</summary>
    private static string Unwrapped(string output) => LineBreak().Replace(output, " ");

    private string[] Sweep(string config, params string[] args) =>
        ["sweep", "--configs", config, "--out", Runs, .. CliRunner.TinyRun, "--set", "training.steps=2", "--set", "training.checkpoint_every=1", .. args];

    [Theory]
    [InlineData("", "{0}: --eval-reference test names the test split of a Fashion-MNIST run, but this run's data source is Synthetic; pass a folder of held-out images instead.",
        "--eval", "--eval-reference", "test")]
    [InlineData(""", "diffusion": { "formulation": "edm" }""", "{0}: --eval-steps 250, --eval-spacing leading: the leading spacing picks timesteps of a DDPM table, and this is a edm model without one; use karras or log-snr.",
        "--eval", "--eval-spacing", "leading")]
    [InlineData("", "{0}: --eval-checkpoints 3 names step 3, but a run of this config keeps no checkpoint of it (it keeps steps 1, 2, as training.checkpoint_every, training.steps and training.keep_last decide); name steps it keeps, or all.",
        "--eval", "--eval-checkpoints", "3")]
    [InlineData("", "--eval-n must be at least 2 (the reference protocol uses 2500).", "--eval", "--eval-n", "1")]
    [InlineData("", "The TorchScript feature network '/nonexistent/net.pt' does not exist; pass a file written by torch.jit.save as --extractor torchscript:FILE.",
        "--eval", "--extractor", "torchscript:/nonexistent/net.pt")]
    [InlineData("", "--eval-n, --eval-steps set how the runs are evaluated, which only --eval does; add --eval or leave them out.", "--eval-n", "500", "--eval-steps", "50")]
    public void Sweep_EvalOptionsNoRunCanTake_RefusedInOneLineBeforeAnythingIsWritten(string diffusion, string message, params string[] args)
    {
        string config = Config("tiny", diffusion);

        var result = CliRunner.Run(Sweep(config, args));

        CliRunner.AssertOneLineError(result, string.Format(System.Globalization.CultureInfo.InvariantCulture, message, "--configs " + config));
        Assert.False(Directory.Exists(Runs));
    }

    [Fact]
    public void SweepEval_TinyEdmRun_EvaluatedWithTheGivenOptionsAndItsOwnSampler_ThenSkipped()
    {
        string config = Config("tiny-edm", """, "diffusion": { "formulation": "edm" }""");
        string reference = Path.Combine(_dir, "held-out");
        for (int i = 0; i < 8; i++)
        {
            using var image = full(new long[] { 3, 8, 8 }, (byte)(40 + (20 * i)), dtype: ScalarType.Byte);
            ImageCodec.SavePng(image, Path.Combine(reference, $"{i:D2}.png"));
        }
        string[] sweep = Sweep(config, "--eval", "--eval-n", "6", "--eval-steps", "2", "--eval-metrics", "fd,kid", "--eval-seed", "3", "--eval-checkpoints", "2",
            "--eval-reference", reference, "--extractor", TinyExtractor);

        var result = CliRunner.Run(sweep);

        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains($"tiny-edm: evaluating checkpoints 2 (6 samples, heun 2 steps (karras), seed 3, fd,kid against {reference})", Unwrapped(result.Stdout), StringComparison.Ordinal);
        string results = Path.Combine(Runs, "tiny-edm", "evaluation_results.json");
        using (var json = JsonDocument.Parse(File.ReadAllText(results)))
        {
            var entry = Assert.Single(json.RootElement.GetProperty("entries").EnumerateArray()); // step 2 only, though step 1 has a checkpoint too
            Assert.Equal(2, entry.GetProperty("step").GetInt32());
            Assert.Equal(6, entry.GetProperty("n").GetInt32());
            Assert.Equal("heun", entry.GetProperty("sampler").GetString()); // EDM's own sampler: none was named
            Assert.Equal(2, entry.GetProperty("steps").GetInt32());
            Assert.Equal(3, entry.GetProperty("seed").GetInt64());
            Assert.Equal(["fd", "kid"], entry.GetProperty("metrics").EnumerateArray().Select(m => m.GetString()));
            Assert.StartsWith($"folder '{reference}'", entry.GetProperty("reference").GetString(), StringComparison.Ordinal); // FD and KID against it
            Assert.Equal(8, entry.GetProperty("reference_count").GetInt32());
            Assert.StartsWith("torchscript:tiny_features.pt", entry.GetProperty("extractor").GetString(), StringComparison.Ordinal);
            Assert.True(entry.GetProperty("fd").GetDouble() >= 0);
            Assert.Equal(JsonValueKind.Null, entry.GetProperty("precision").ValueKind); // pr was not asked for
        }
        string before = File.ReadAllText(results);

        var again = CliRunner.Run(sweep);

        Assert.True(again.ExitCode == 0, again.Stderr + again.Stdout);
        Assert.Contains("tiny-edm: finished, skipped", again.Stdout, StringComparison.Ordinal);
        Assert.Contains("step 2: already evaluated with these settings, skipped", Unwrapped(again.Stdout), StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(results));
    }

    [Fact]
    public void SweepEval_SigtermDuringTheEvaluation_ExitsInterruptedAndTheSameCommandFinishesIt()
    {
        string[] sweep = Sweep(Config("tiny"), "--set", "training.steps=6", "--set", "training.keep_last=0", "--eval", "--eval-n", "8", "--eval-steps", "2", "--eval-metrics", "fd", "--extractor", TinyExtractor);

        // The evaluation loads its real set before the first checkpoint is sampled; the training has ended by then.
        var stopped = CliRunner.RunUntilTerminated(line => line.StartsWith("real set:", StringComparison.Ordinal), sweep);

        Assert.True(stopped.ExitCode == 75, $"exit {stopped.ExitCode}, expected 75: {stopped.Stderr}\n{stopped.Stdout}");
        Assert.Contains("sweep stopped", stopped.Stdout, StringComparison.Ordinal);
        var again = CliRunner.Run(sweep);
        Assert.True(again.ExitCode == 0, again.Stderr + again.Stdout);
        Assert.Contains("tiny: finished, skipped", again.Stdout, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Runs, "tiny", "evaluation_results.json")));
        Assert.Equal([1, 2, 3, 4, 5, 6], json.RootElement.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("step").GetInt32()).Order());
    }
}
