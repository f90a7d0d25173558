using System.IO.Compression;
using System.Text;
using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>
/// pytorch-fid's statistics .npz. The fid_stats_* fixtures were written by numpy 1.24 (numpy.savez and
/// numpy.savez_compressed, tools/standard_metrics_fixture.py): mu[i] = 0.5i − 1, sigma = AAᵀ + I with A[i, j] = sin(i + 2j), D = 5.
/// </summary>
public sealed class MetricNpzStatisticsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-npz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", name);

    [Theory]
    [InlineData("fid_stats_savez.npz")]
    [InlineData("fid_stats_compressed.npz")]
    public void Load_NumpyWrittenStatistics_GivesExactMuAndSigmaAsInception(string file)
    {
        using var sigma = NpyFile.Read(Fixture("fid_stats_sigma.npy"));
        var expectedSigma = sigma.data<double>().ToArray();

        var statistics = PrecomputedFeatures.Load(Fixture(file), assumedExtractor: "resnet18");

        Assert.Equal("inception", statistics.Extractor); // pytorch-fid's statistics are Inception pool3, whatever the other side
        Assert.Equal(5, statistics.Dimension);
        Assert.Equal(0, statistics.Count);
        Assert.Equal([-1.0, -0.5, 0.0, 0.5, 1.0], Enumerable.Range(0, 5).Select(statistics.Mean));
        Assert.Equal(expectedSigma, Enumerable.Range(0, 25).Select(k => statistics.Covariance(k / 5, k % 5)));
        Assert.Equal(1 + Math.Pow(Math.Sin(0), 2) + Math.Pow(Math.Sin(2), 2) + Math.Pow(Math.Sin(4), 2) + Math.Pow(Math.Sin(6), 2) + Math.Pow(Math.Sin(8), 2),
            statistics.Covariance(0, 0), 12);
        Assert.Equal("inception", PrecomputedFeatures.Extractor(Fixture(file)));
    }

    [Fact]
    public void Save_ThenLoad_RoundTripsValuesAndExtractor()
    {
        using var features = torch.randn([40, 6], torch.float64, generator: new torch.Generator(3));
        var original = FeatureStatistics.FromFeatures(features, "resnet18");
        var path = Path.Combine(_dir, "stats.npz");

        PrecomputedFeatures.SaveStatistics(original, path);
        var loaded = PrecomputedFeatures.Load(path, assumedExtractor: "inception");

        Assert.Equal("resnet18", loaded.Extractor);
        Assert.Equal(Enumerable.Range(0, 6).Select(original.Mean), Enumerable.Range(0, 6).Select(loaded.Mean));
        Assert.Equal(Enumerable.Range(0, 36).Select(k => original.Covariance(k / 6, k % 6)), Enumerable.Range(0, 36).Select(k => loaded.Covariance(k / 6, k % 6)));
        Assert.Equal(0.0, FrechetDistance.Compute(original, loaded), 9);
        using var zip = ZipFile.OpenRead(path);
        Assert.Equal(["mu.npy", "sigma.npy", "extractor.npy"], zip.Entries.Select(e => e.FullName));
    }

    [Fact]
    public void Load_WithoutSigma_NamesWhatTheFileHolds()
    {
        var error = Assert.Throws<EvaluationException>(() => NpzStatistics.Load(Fixture("fid_stats_no_sigma.npz")));

        Assert.Equal($"'{Fixture("fid_stats_no_sigma.npz")}' has no 'sigma' array (it holds mu, cov); a pytorch-fid statistics file holds mu and sigma.", error.Message);
    }

    [Fact]
    public void Load_SigmaOfOtherDimension_IsOneSentence()
    {
        var error = Assert.Throws<EvaluationException>(() => NpzStatistics.Load(Fixture("fid_stats_mismatched.npz")));

        Assert.Contains("mu of shape (5) and sigma of shape (4, 4)", error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public void Load_MemberDeclaringAHugeArray_IsRefusedWithoutAllocatingIt()
    {
        // A zip bomb's effect without its size: sigma's header asks for 20000 × 20000 float64 (3.2 GB, over the 1 GiB bound).
        var path = Path.Combine(_dir, "bomb.npz");
        using (var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
        {
            using (var mu = zip.CreateEntry("mu.npy").Open())
            using (var values = torch.zeros(20000, torch.float64))
                NpyFile.Write(mu, values);
            using var sigma = zip.CreateEntry("sigma.npy", CompressionLevel.Optimal).Open();
            sigma.Write([0x93, .. "NUMPY"u8, 1, 0]);
            var header = NpyFile.Header("<f8", [20000, 20000]);
            sigma.Write(BitConverter.GetBytes((ushort)header.Length));
            sigma.Write(Encoding.ASCII.GetBytes(header));
            sigma.Write(new byte[1 << 20]); // 1 MiB of zeros: a few kB deflated
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = Assert.Throws<EvaluationException>(() => NpzStatistics.Load(path));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Contains("declares 3200000000 data bytes", error.Message);
        Assert.True(allocated < 64L << 20, $"{allocated} bytes allocated");
    }

    [Fact]
    public void Load_NotAZip_IsOneSentence()
    {
        var path = Path.Combine(_dir, "broken.npz");
        File.WriteAllBytes(path, [(byte)'P', (byte)'K', 3, 4, 0, 0, 1, 2, 3]);

        var error = Assert.Throws<EvaluationException>(() => PrecomputedFeatures.Load(path, "inception"));

        Assert.StartsWith($"'{path}' is not a readable statistics .npz", error.Message, StringComparison.Ordinal);
    }
}
