using System.Text.Json;
using SharpDiffusion.Evaluation;

namespace SharpDiffusion.Tests.Cli;

/// <summary>
/// <c>ddpm fid</c> and <c>ddpm features</c> as scripts use them: --json on stdout alone, pytorch-fid .npz statistics
/// written and compared, and a bad .npz as one line with exit 2. The tiny TorchScript extractor of Evaluation/Fixtures
/// keeps it fast.
/// </summary>
public sealed class CliFidTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-fid-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", name);

    private static readonly string Tiny = "torchscript:" + Fixture("tiny_features.pt");

    /// <summary>Four images in the formats pytorch-fid lists that SkiaSharp lacks: TIFF and Netpbm.</summary>
    private string Images()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "images")).FullName;
        foreach (var file in new[] { "raw.tif", "lzw.tif", "binary.ppm", "plain.pgm" })
            File.Copy(Fixture("image_" + file), Path.Combine(folder, file));
        return folder;
    }

    [Fact]
    public void FeaturesStatsNpz_ThenFidJson_PrintsOnlyTheResult_AndTheSameSetGivesZero()
    {
        var images = Images();
        var stats = Path.Combine(_dir, "stats.npz");
        var features = CliRunner.Run(["features", "--images", images, "--out", Path.Combine(_dir, "f.npy"), "--stats", stats, "--extractor", Tiny, "--device", "cpu"]);
        Assert.True(features.ExitCode == 0, features.Stderr);
        Assert.Equal("torchscript:tiny_features.pt", NpzStatistics.Load(stats).Extractor);

        var fid = CliRunner.Run(["fid", images, stats, "--json", "--extractor", Tiny, "--device", "cpu"]);

        Assert.True(fid.ExitCode == 0, fid.Stderr);
        using var json = JsonDocument.Parse(fid.Stdout);
        Assert.Equal("FD (torchscript:tiny_features.pt)", json.RootElement.GetProperty("metric").GetString());
        Assert.Equal(0.0, json.RootElement.GetProperty("value").GetDouble(), 6);
        Assert.Equal(4, json.RootElement.GetProperty("count_a").GetInt64());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("count_b").ValueKind); // an .npz does not record it
    }

    [Fact]
    public void SaveStats_WritesTheNpzThatFeaturesWrites()
    {
        var images = Images();
        var saved = Path.Combine(_dir, "saved.npz");

        var result = CliRunner.Run(["fid", "--save-stats", images, saved, "--extractor", Tiny, "--device", "cpu", "--json"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        Assert.Equal(4, json.RootElement.GetProperty("count").GetInt64());
        var statistics = NpzStatistics.Load(saved);
        Assert.Equal(json.RootElement.GetProperty("dimension").GetInt32(), statistics.Dimension);
    }

    [Fact]
    public void Fid_NpzWithoutSigma_IsOneLineAndExit2()
    {
        var bad = Fixture("fid_stats_no_sigma.npz");

        var result = CliRunner.Run(["fid", bad, Fixture("fid_stats_savez.npz")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: '{bad}' has no 'sigma' array (it holds mu, cov); a pytorch-fid statistics file holds mu and sigma.", result.Stderr.Trim());
        Assert.Equal("", result.Stdout);
    }

    [Fact]
    public void Features_IsLogitsWithAnotherExtractor_IsRefusedNotIgnored()
    {
        var result = CliRunner.Run(["features", "--images", Images(), "--out", Path.Combine(_dir, "f.npy"), "--extractor", Tiny, "--is-logits", "biased", "--device", "cpu"]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --is-logits chooses the Inception's logits, but the extractor is torchscript:", result.Stderr.Trim(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "f.npy")));
    }
}
