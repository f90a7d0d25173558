using SharpDiffusion.Monitoring;

namespace SharpDiffusion.Tests.Monitoring;

public sealed class ResourceLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-reslog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ResourceSample Row(double elapsed, double? util, double? rss) =>
        new(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero).AddSeconds(elapsed), elapsed, util, util is null ? null : 1000, null, util is null ? null : 60, 50, rss);

    [Fact]
    public void Read_WrittenRows_RoundTripAndSkipTornLine()
    {
        string path = ResourceLog.PathIn(_dir);
        var written = new[] { Row(0.5, null, 100), Row(1.0, 75, 150.5) };
        File.WriteAllText(path, ResourceLog.Header + "\n" + string.Concat(written.Select(r => ResourceLog.Format(r) + "\n")) + "2026-11-26T12:00:02.000Z,1.5,3");

        Assert.Equal(written, ResourceLog.Read(path));
    }

    [Fact]
    public void Read_MissingFile_NoRows() => Assert.Empty(ResourceLog.Read(Path.Combine(_dir, "none.csv")));

    [Fact]
    public void Summary_KnownColumns_PeakAndMeanOverRowsWithValues()
    {
        var summary = ResourceSummary.Of([Row(1, null, 100), Row(2, 50, 300), Row(3, 100, 200)]);

        Assert.Equal(3, summary.Rows);
        Assert.Equal(new ColumnSummary(300, 200, 3), summary.RssMiB);
        Assert.Equal(new ColumnSummary(100, 75, 2), summary.GpuUtilPercent); // the GPU-less row does not count as 0 %
        Assert.Equal(new ColumnSummary(null, null, 0), summary.GpuPowerWatts);
    }

    [Fact]
    public void SummaryOfRun_FolderWithoutLog_HasNoRows() =>
        Assert.Equal(0, ResourceSummary.OfRun(_dir).Rows);
}
