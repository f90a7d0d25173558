using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public class MetricFeatureStatisticsTests
{
    [Fact]
    public void FromFeatures_ThreeRows_GivesMeanAndUnbiasedCovariance()
    {
        // Rows (1,2), (3,4), (5,0): mean (3,2); deviations (−2,0), (0,2), (2,−2);
        // Σ = [[8, −4], [−4, 8]] / (3 − 1) = [[4, −2], [−2, 4]].
        using var features = torch.tensor(new float[] { 1, 2, 3, 4, 5, 0 }, [3, 2]);

        var stats = FeatureStatistics.FromFeatures(features, "test");

        Assert.Equal(3, stats.Count);
        Assert.Equal(3.0, stats.Mean(0), 1e-12);
        Assert.Equal(2.0, stats.Mean(1), 1e-12);
        Assert.Equal(4.0, stats.Covariance(0, 0), 1e-12);
        Assert.Equal(-2.0, stats.Covariance(0, 1), 1e-12);
        Assert.Equal(-2.0, stats.Covariance(1, 0), 1e-12);
        Assert.Equal(4.0, stats.Covariance(1, 1), 1e-12);
    }

    [Fact]
    public void SaveLoad_RoundTrip_PreservesEveryValueAndExtractor()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stats-{Guid.NewGuid():N}.bin");
        try
        {
            var stats = new FeatureStatistics("resnet18", 1541, [0.1, -2.5e-300], new double[,] { { 1.0 / 3.0, 2.0 }, { 2.0, Math.PI } });
            stats.Save(path);

            var loaded = FeatureStatistics.Load(path);

            Assert.Equal("resnet18", loaded.Extractor);
            Assert.Equal(1541, loaded.Count);
            Assert.Equal(2, loaded.Dimension);
            Assert.Equal(-2.5e-300, loaded.Mean(1));
            Assert.Equal(1.0 / 3.0, loaded.Covariance(0, 0));
            Assert.Equal(Math.PI, loaded.Covariance(1, 1));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_OtherFile_ThrowsInvalidData()
    {
        var path = Path.Combine(Path.GetTempPath(), $"stats-{Guid.NewGuid():N}.bin");
        try
        {
            File.WriteAllText(path, "not statistics");
            Assert.Throws<InvalidDataException>(() => FeatureStatistics.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
