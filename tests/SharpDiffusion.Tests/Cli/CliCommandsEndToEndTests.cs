using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SharpDiffusion.Cluster;
using SharpDiffusion.Data;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Cli;

/// <summary>
/// Issue 15 item 4: every command through the real executable, as a user types it, with exit codes and outputs checked.
/// Tiny everything (8×8 images, the 8-d TorchScript extractor of Evaluation/Fixtures, 2-step runs) so that the whole class
/// stays within seconds of process start-up per command.
/// </summary>
public sealed partial class CliCommandsEndToEndTests : IDisposable
{
    private static readonly string TinyExtractor = "torchscript:" + Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "tiny_features.pt");

    private readonly string _dir = Directory.CreateTempSubdirectory("sd-commands-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [GeneratedRegex(@"= (-?\d+\.\d{4})")]
    private static partial Regex Distance();

    private static double PrintedDistance(CliRunner.Result result)
    {
        var match = Distance().Match(result.Stdout);
        Assert.True(match.Success, result.Stdout);
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>A folder of <paramref name="count"/> 8×8 PNGs; image i is flat grey at brightness (offset + 16 i).</summary>
    private string ImageFolder(string name, int count, int offset)
    {
        string folder = Path.Combine(_dir, name);
        for (int i = 0; i < count; i++)
        {
            using var image = full(new long[] { 3, 8, 8 }, (byte)(offset + (16 * i)), dtype: ScalarType.Byte);
            ImageCodec.SavePng(image, Path.Combine(folder, $"{i:D2}.png"));
        }
        return folder;
    }

    [Fact]
    public void FeaturesAndFid_FoldersFeatureFilesAndStatistics_AgreeAndASetIsAtDistanceZeroFromItself()
    {
        string a = ImageFolder("a", 8, 0), b = ImageFolder("b", 8, 100);
        string aNpy = Path.Combine(_dir, "a.npy"), bNpy = Path.Combine(_dir, "b.npy"), aStats = Path.Combine(_dir, "a.stats"), bStats = Path.Combine(_dir, "b.stats");
        foreach (var (folder, npy, stats) in new[] { (a, aNpy, aStats), (b, bNpy, bStats) })
        {
            var features = CliRunner.Run("features", "--images", folder, "--out", npy, "--stats", stats, "--extractor", TinyExtractor, "--device", "cpu");
            Assert.True(features.ExitCode == 0, features.Stderr);
            using var read = NpyFile.Read(npy);
            Assert.Equal(new long[] { 8, 8 }, read.shape); // 8 images × the fixture's 8-d features
            Assert.True(File.Exists(FeatureFile.InfoPath(npy)));
            Assert.Equal(8, FeatureStatistics.Load(stats).Count);
        }

        double folders = PrintedDistance(Fid(a, b));
        Assert.True(folders > 0);
        Assert.Equal(folders, PrintedDistance(Fid(aNpy, bNpy)), 3);
        Assert.Equal(folders, PrintedDistance(Fid(aStats, bStats)), 3);
        Assert.Equal(folders, PrintedDistance(Fid(a, bStats)), 3); // mixed kinds
        Assert.Equal(0, PrintedDistance(Fid(aNpy, aStats)), 3);   // the same set, two forms

        var missing = CliRunner.Run("fid", a, Path.Combine(_dir, "nothing-here"));
        Assert.Equal(CliErrorsUserError, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr, StringComparison.Ordinal);
    }

    private static CliRunner.Result Fid(string first, string second)
    {
        var result = CliRunner.Run("fid", first, second, "--extractor", TinyExtractor, "--device", "cpu");
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        return result;
    }

    private const int CliErrorsUserError = 2;

    [Fact]
    public void PlotAndReport_OnATinyRun_WritePngsAndOneHtmlPage()
    {
        string run = Path.Combine(_dir, "run");
        var train = CliRunner.Run(["train", "--out", run, "--steps", "2", .. CliRunner.TinyRun]);
        Assert.True(train.ExitCode == 0, train.Stderr);

        string plots = Path.Combine(_dir, "plots");
        var plot = CliRunner.Run("plot", "--runs", run, "--out", plots);
        Assert.True(plot.ExitCode == 0, plot.Stderr);
        var pngs = Directory.GetFiles(plots, "*.png", SearchOption.AllDirectories);
        Assert.NotEmpty(pngs);
        Assert.All(pngs, p => Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(p)[..4]));

        string html = Path.Combine(_dir, "report.html");
        var report = CliRunner.Run("report", "--runs", run, "--out", html);
        Assert.True(report.ExitCode == 0, report.Stderr);
        string page = File.ReadAllText(html);
        Assert.StartsWith("<!DOCTYPE html>", page.TrimStart(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("data:image/png;base64,", page, StringComparison.Ordinal); // self-contained

        var none = CliRunner.Run("report", "--runs", Path.Combine(_dir, "plots"), "--out", Path.Combine(_dir, "none.html"));
        Assert.Equal(CliErrorsUserError, none.ExitCode);
        Assert.StartsWith("error: none of the --runs folders is a run", none.Stderr.Trim().Split('\n')[^1], StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "none.html")));
    }

    [Fact]
    public void Slurm_WritesScriptsThatBashAccepts()
    {
        string config = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(config, """{ "name": "tiny", "data": { "source": "synthetic", "image_size": 8 } }""");
        string scripts = Path.Combine(_dir, "slurm");
        var result = CliRunner.Run("slurm", "--configs", config, "--out", Path.Combine(_dir, "runs"), "--write", scripts, "--time", "01:00:00", "--gres", "gpu:1",
            "--setup-line", "module load cuda", "--set", "training.device=cuda");
        Assert.True(result.ExitCode == 0, result.Stderr);

        string[] files = [.. new[] { SlurmScripts.ArrayScriptName, SlurmScripts.EvalScriptName, SlurmScripts.SubmitScriptName }.Select(n => Path.Combine(scripts, n))];
        Assert.All(files, f => Assert.True(File.Exists(f), f));
        string all = string.Concat(files.Select(File.ReadAllText));
        Assert.Contains("#SBATCH --array=0-0", all, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --time=01:00:00", all, StringComparison.Ordinal);
        Assert.Contains("#SBATCH --gres=gpu:1", all, StringComparison.Ordinal);
        Assert.Contains("module load cuda", all, StringComparison.Ordinal);
        foreach (string script in files)
        {
            using var bash = Process.Start(new ProcessStartInfo("bash", ["-n", script]) { RedirectStandardError = true })!;
            string errors = bash.StandardError.ReadToEnd();
            bash.WaitForExit();
            Assert.True(bash.ExitCode == 0, $"bash -n {Path.GetFileName(script)}: {errors}");
        }
    }

    [Fact]
    public void SlurmThen_Upscaler_WritesFourScriptsThatBashAcceptsWithTheDependencyChain()
    {
        string baseConfig = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(baseConfig, """{ "name": "tiny", "data": { "source": "synthetic", "image_size": 8 } }""");
        string srConfig = Path.Combine(_dir, "tiny-sr.json");
        File.WriteAllText(srConfig, """{ "name": "tiny-sr", "data": { "source": "synthetic", "image_size": 16 }, "model": { "super_resolution": { "input_size": 8 } } }""");
        string scripts = Path.Combine(_dir, "slurm-cascade");
        var result = CliRunner.Run("slurm", "--configs", baseConfig, "--then", srConfig, "--out", Path.Combine(_dir, "runs"), "--write", scripts);
        Assert.True(result.ExitCode == 0, result.Stderr);

        string[] names = [SlurmScripts.ArrayScriptName, SlurmScripts.EvalScriptName, SlurmScripts.UpscalerScriptName, SlurmScripts.CascadeEvalScriptName, SlurmScripts.SubmitScriptName];
        foreach (string script in names.Select(n => Path.Combine(scripts, n)))
        {
            using var bash = Process.Start(new ProcessStartInfo("bash", ["-n", script]) { RedirectStandardError = true })!;
            string errors = bash.StandardError.ReadToEnd();
            bash.WaitForExit();
            Assert.True(bash.ExitCode == 0, $"bash -n {Path.GetFileName(script)}: {errors}");
        }
        string submit = File.ReadAllText(Path.Combine(scripts, SlurmScripts.SubmitScriptName));
        Assert.Contains($"upscaler_id=$(sbatch --parsable --dependency=afterok:\"$array_id\" '{Path.Combine(scripts, SlurmScripts.UpscalerScriptName)}' | cut -d';' -f1)", submit, StringComparison.Ordinal);
        Assert.Contains($"sbatch --parsable --dependency=afterok:\"$array_id\":\"$upscaler_id\" '{Path.Combine(scripts, SlurmScripts.CascadeEvalScriptName)}'", submit, StringComparison.Ordinal);
        Assert.Contains($"--upscale '{Path.Combine(_dir, "runs", "tiny-sr")}'", File.ReadAllText(Path.Combine(scripts, SlurmScripts.CascadeEvalScriptName)), StringComparison.Ordinal);

        // A base config given as the upscaler, and an upscaler whose input is not the base's output: one sentence, no scripts.
        string wrongSize = Path.Combine(_dir, "sr-4.json");
        File.WriteAllText(wrongSize, """{ "name": "sr-4", "data": { "source": "synthetic", "image_size": 8 }, "model": { "super_resolution": { "input_size": 4 } } }""");
        string refused = Path.Combine(_dir, "slurm-refused");
        foreach (var (then, message) in new[]
        {
            (baseConfig, $"error: --then {baseConfig} is a pixel model, not an upscaler; pass a run trained with model.super_resolution (e.g. ddpm train --config configs/demo-sr.json)."),
            (wrongSize, $"error: --then {wrongSize} upscales 4×4 images but --configs {baseConfig} makes 8×8; train the upscaler with model.super_resolution.input_size=8."),
        })
        {
            var bad = CliRunner.Run("slurm", "--configs", baseConfig, "--then", then, "--out", Path.Combine(_dir, "runs"), "--write", refused);
            Assert.Equal(CliErrorsUserError, bad.ExitCode);
            Assert.Equal(message, bad.Stderr.Trim());
            Assert.False(Directory.Exists(refused));
        }
    }

    [Fact]
    public void SweepThen_TinyCascade_TrainsTheBaseThenTheUpscaler_AndRefusesABaseAsUpscaler()
    {
        string baseConfig = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(baseConfig, """{ "name": "tiny", "data": { "source": "synthetic", "image_size": 8, "synthetic_count": 16 } }""");
        string srConfig = Path.Combine(_dir, "tiny-sr.json");
        File.WriteAllText(srConfig, """{ "name": "tiny-sr", "data": { "source": "synthetic", "image_size": 16, "synthetic_count": 16 }, "model": { "super_resolution": { "input_size": 8 } } }""");
        string runs = Path.Combine(_dir, "sweep-runs");
        string[] tiny = ["--device", "cpu", "--set", "model.dim=8", "--set", "model.dim_mults=[1,2]", "--set", "model.res_blocks=1", "--set", "model.attention_resolutions=[]",
            "--set", "model.groups=4", "--set", "model.class_conditional=false", "--set", "training.steps=2", "--set", "training.batch_size=2",
            "--set", "training.sample_steps=2", "--set", "training.sample_count=4", "--set", "training.log_every=1"];

        var bad = CliRunner.Run(["sweep", "--configs", baseConfig, "--then", baseConfig, "--out", runs, .. tiny]);
        Assert.Equal(CliErrorsUserError, bad.ExitCode);
        Assert.Equal($"error: --then {baseConfig} is a pixel model, not an upscaler; pass a run trained with model.super_resolution (e.g. ddpm train --config configs/demo-sr.json).", bad.Stderr.Trim());
        Assert.False(Directory.Exists(runs));

        var result = CliRunner.Run(["sweep", "--configs", baseConfig, "--then", srConfig, "--out", runs, .. tiny]);
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.True(result.Stdout.IndexOf("== tiny-sr", StringComparison.Ordinal) > result.Stdout.IndexOf("== tiny ", StringComparison.Ordinal), result.Stdout);
        var upscaler = SharpDiffusion.Training.CheckpointFile.ReadMetadata(new SharpDiffusion.Training.RunDirectory(Path.Combine(runs, "tiny-sr")).LatestCheckpoint()!);
        Assert.Equal((SharpDiffusion.Training.ModelFamily.SuperResolution, 2, 16), (upscaler.Family, upscaler.Step, upscaler.ImageSize));
        Assert.NotNull(new SharpDiffusion.Training.RunDirectory(Path.Combine(runs, "tiny")).LatestCheckpoint());
    }

    [Fact]
    public void BenchCascade_TinyConfigs_PrintsOneFlopRowPerWidth_AndRefusesABaseAsUpscaler()
    {
        string baseConfig = Path.Combine(_dir, "tiny.json");
        File.WriteAllText(baseConfig, """{ "name": "tiny", "model": { "dim_mults": [1, 2], "attention_resolutions": [], "groups": 4 } }""");
        string srConfig = Path.Combine(_dir, "tiny-sr.json");
        File.WriteAllText(srConfig, """{ "name": "tiny-sr", "data": { "image_size": 16 }, "model": { "dim_mults": [1, 2], "attention_resolutions": [], "groups": 4, "super_resolution": { "input_size": 8 } } }""");

        var result = CliRunner.Run("bench", "--config", baseConfig, "--cascade", srConfig, "--dims", "8,16", "--cascade-steps", "2,3");
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        Assert.Contains("8×8 base → 8→16 upscaler against one 16×16 U-Net", result.Stdout, StringComparison.Ordinal);
        foreach (string dim in new[] { "8", "16" })
            Assert.Matches(new Regex($@"(?m)^\s*{dim}\s+\d+\.\d\d\s"), result.Stdout);

        var bad = CliRunner.Run("bench", "--config", baseConfig, "--cascade", baseConfig, "--dims", "8");
        Assert.Equal(CliErrorsUserError, bad.ExitCode);
        Assert.Equal($"error: --cascade {baseConfig} is not a super-resolution config; pass one with model.super_resolution (e.g. configs/sysu/sr-128.json).", bad.Stderr.Trim());
    }

    [Fact]
    public void Bench_TinyModel_PrintsOneRowPerWidth()
    {
        var result = CliRunner.Run("bench", "--device", "cpu", "--dims", "8,16", "--batch", "2", "--image-size", "8", "--warmup", "0", "--repeats", "1");
        Assert.True(result.ExitCode == 0, result.Stderr + result.Stdout);
        foreach (string dim in new[] { "8", "16" })
            Assert.Matches(new Regex($@"(?m)^\D*\b{dim}\b.*\d"), result.Stdout);

        var bad = CliRunner.Run("bench", "--device", "cpu", "--dims", "eight");
        Assert.Equal(CliErrorsUserError, bad.ExitCode);
        Assert.Contains("--dims", bad.Stderr, StringComparison.Ordinal);
    }
}
