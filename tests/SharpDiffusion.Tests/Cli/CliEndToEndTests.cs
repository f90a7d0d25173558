using SkiaSharp;

namespace SharpDiffusion.Tests.Cli;

public sealed class CliEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-e2e-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TrainResumeSample_ProducesCheckpointsLogAndGrids()
    {
        string run = Path.Combine(_dir, "run");
        var first = CliRunner.Run(["train", "--out", run, "--steps", "2", .. CliRunner.TinyRun]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var second = CliRunner.Run(["train", "--out", run, "--steps", "3", "--resume"]);
        Assert.True(second.ExitCode == 0, second.Stderr);

        Assert.True(File.Exists(Path.Combine(run, "config.json")));
        Assert.Equal("step-000003.ckpt", File.ReadAllText(Path.Combine(run, "checkpoints", "latest")).Trim());
        Assert.Equal(["step", "1", "2", "3"], File.ReadAllLines(Path.Combine(run, "log.csv")).Select(l => l.Split(',')[0]));
        Assert.True(File.Exists(Path.Combine(run, "samples", "step-000003.png")));

        string grid = Path.Combine(_dir, "grid.png");
        var sample = CliRunner.Run("sample", "--run", run, "--n", "6", "--steps", "3", "--out", grid);
        Assert.True(sample.ExitCode == 0, sample.Stderr);
        using var bitmap = SKBitmap.Decode(grid);
        Assert.True(bitmap.Width > 8 * 2 && bitmap.Height > 8, $"{bitmap.Width}×{bitmap.Height}");

        string folder = Path.Combine(_dir, "pngs");
        Assert.Equal(0, CliRunner.Run("sample", "--run", run, "--n", "3", "--steps", "2", "--out-dir", folder, "--sampler", "dpm-solver++").ExitCode);
        Assert.Equal(3, Directory.GetFiles(folder, "*.png").Length);
    }

    [Fact]
    public void DryRun_PrintsParameterCountsForTheReferenceWidthsAndWritesNothing()
    {
        string run = Path.Combine(_dir, "dry");
        var result = CliRunner.Run("train", "--dry-run", "--out", run);
        Assert.Equal(0, result.ExitCode);
        foreach (string dim in new[] { "dim 64", "dim 96", "dim 128" }) Assert.Contains(dim, result.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(run));
    }
}
