using SharpDiffusion.Tests.Interop;

namespace SharpDiffusion.Tests.Cli;

/// <summary>ddpm import and ddpm export as a user runs them: the imported fixture samples, exports and refuses bad input in one line.</summary>
public sealed class CliInteropTests : IDisposable
{
    private readonly string _dir = InteropFixtures.TempFolder();

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static void AssertOneLineError(CliRunner.Result result, string fragment) => CliRunner.AssertOneLineError(result, fragment, exitCode: null);

    [Fact]
    public void ImportSampleExport_TrainerFixture_WorksEndToEnd()
    {
        var run = Path.Combine(_dir, "imported");
        var imported = CliRunner.Run("import", "--format", "denoising-diffusion-pytorch", InteropFixtures.TrainerCheckpoint, "--out", run, "--image-size", "8");
        Assert.True(imported.ExitCode == 0, imported.Stderr);
        Assert.Contains("sigmoid_beta_schedule(100)", imported.Stdout.ReplaceLineEndings(""), StringComparison.Ordinal);
        Assert.Contains("objective v (pred_v)", imported.Stdout, StringComparison.Ordinal);

        var grid = Path.Combine(_dir, "grid.png");
        var sampled = CliRunner.Run("sample", "--run", run, "--n", "4", "--sampler", "ddim", "--steps", "5", "--device", "cpu", "--out", grid);
        Assert.True(sampled.ExitCode == 0, sampled.Stderr);
        Assert.True(new FileInfo(grid).Length > 0);

        var exported = CliRunner.Run("export", "--run", run, "--format", "pytorch");
        Assert.True(exported.ExitCode == 0, exported.Stderr);
        Assert.True(File.Exists(Path.Combine(run, "export", "model.pt")));
        Assert.True(File.Exists(Path.Combine(run, "export", "config.json")));

        // Importing again into the same folder is refused, and the run is left as it was.
        var again = CliRunner.Run("import", "--format", "denoising-diffusion-pytorch", InteropFixtures.TrainerCheckpoint, "--out", run, "--image-size", "8");
        AssertOneLineError(again, "already holds a run");
    }

    [Fact]
    public void ImportResultsFolderThenSample_NoSamplerOptions_SamplesAsTheLibraryDid()
    {
        var run = Path.Combine(_dir, "library");
        var imported = CliRunner.Run("import", "--format", "denoising-diffusion-pytorch", LibraryFixture.Results, "--out", run, "--image-size", "16", "--sampling-timesteps", "10");
        Assert.True(imported.ExitCode == 0, imported.Stderr);
        var sampled = CliRunner.Run("sample", "--run", run, "--n", "2", "--device", "cpu");
        Assert.True(sampled.ExitCode == 0, sampled.Stderr);
        // The run's recorded sampler: DDIM with the library's 10 steps, from the newest milestone (step 300).
        Assert.True(File.Exists(Path.Combine(run, "samples", "sample-000300-ddim10.png")), sampled.Stdout);
    }

    [Fact]
    public void ImportResultsFolderThenEval_NoSamplerOptions_EvaluatesAsTheLibrarySampled_WithTheTrainersRealStatistics()
    {
        var images = Path.Combine(_dir, "images");
        Directory.CreateDirectory(images);
        var random = new Random(3);
        for (int i = 0; i < 6; i++)
        {
            using var bitmap = new SkiaSharp.SKBitmap(16, 16);
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++) bitmap.SetPixel(x, y, new SkiaSharp.SKColor((byte)random.Next(256), (byte)random.Next(256), (byte)(x * 16)));
            using var file = File.Create(Path.Combine(images, $"{i}.png"));
            bitmap.Encode(file, SkiaSharp.SKEncodedImageFormat.Png, 100);
        }

        var run = Path.Combine(_dir, "library");
        var imported = CliRunner.Run("import", "--format", "denoising-diffusion-pytorch", LibraryFixture.Results, "--out", run, "--image-size", "16", "--sampling-timesteps", "10", "--data", images);
        Assert.True(imported.ExitCode == 0, imported.Stderr);
        var tiny = Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "tiny_features.pt");
        var evaluated = CliRunner.Run("eval", "--run", run, "--n", "4", "--device", "cpu", "--metrics", "fd", "--extractor", "torchscript:" + tiny,
            "--cache", Path.Combine(_dir, "cache"), "--real-stats", "ddp-trainer", "--json");
        Assert.True(evaluated.ExitCode == 0, evaluated.Stderr + evaluated.Stdout);

        using var printed = System.Text.Json.JsonDocument.Parse(evaluated.Stdout);
        var entry = Assert.Single(printed.RootElement.GetProperty("entries").EnumerateArray());
        // The run's sampling section: the library's DDIM (spacing ddp) with its 10 sampling steps, not the reference DDIM 250.
        Assert.Equal("ddim", entry.GetProperty("sampler").GetString());
        Assert.Equal(10, entry.GetProperty("steps").GetInt32());
        Assert.Equal("ddp", entry.GetProperty("spacing").GetString());
        Assert.Equal("ddp-trainer", entry.GetProperty("real_stats").GetString());
        using var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        int batch = config.RootElement.GetProperty("training").GetProperty("batch_size").GetInt32();
        Assert.Equal(SharpDiffusion.Evaluation.RealStatistics.TrainerLoaderDraws(6, 4, batch, 0).Count, entry.GetProperty("real_stats_count").GetInt32());
        Assert.Equal(6, entry.GetProperty("real_count").GetInt32());
        Assert.EndsWith(";spacing=ddp;real=ddp-trainer", entry.GetProperty("settings_key").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Import_CheckpointWithoutEma_IsOneLineErrorAndWritesNothing()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "no-ema.pt");
        using (var file = File.Create(path))
            TorchSharp.PyBridge.PyTorchPickler.PickleStateDict(file, new Dictionary<string, object?>
            {
                ["step"] = 10,
                ["model"] = new Dictionary<string, object?> { ["model.init_conv.weight"] = TorchSharp.torch.zeros(8, 3, 7, 7) },
                ["opt"] = null,
            });
        var run = Path.Combine(_dir, "run");
        AssertOneLineError(CliRunner.Run("import", "--format", "denoising-diffusion-pytorch", path, "--out", run, "--image-size", "8"), "has no 'ema' dict");
        Assert.False(Directory.Exists(run), "a refused import must not create the run folder");
    }

    [Fact]
    public void Export_RunWithoutCheckpoint_IsOneLineErrorAndWritesNothing()
    {
        var run = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(run);
        AssertOneLineError(CliRunner.Run("export", "--run", run, "--format", "safetensors"), "has no checkpoint to export");
        Assert.Empty(Directory.EnumerateFileSystemEntries(run));
        AssertOneLineError(CliRunner.Run("export", "--run", run, "--format", "onnx"), "use safetensors or pytorch");
        AssertOneLineError(CliRunner.Run("import", "--format", "diffusers", InteropFixtures.TrainerCheckpoint, "--out", Path.Combine(_dir, "x"), "--image-size", "8"), "use denoising-diffusion-pytorch");
    }
}
