using SharpDiffusion.Reporting;
using SkiaSharp;

namespace SharpDiffusion.Tests.Reporting;

public sealed class PlotTests : IDisposable
{
    private readonly RunFixture _runs = new();

    public void Dispose() => _runs.Dispose();

    // Category10's first two colours (#1f77b4, #ff7f0e): the lines of run 0 and run 1.
    private static readonly SKColor Blue = new(0x1f, 0x77, 0xb4);
    private static readonly SKColor Orange = new(0xff, 0x7f, 0x0e);

    private IReadOnlyList<ReportRun> TwoRuns(bool evaluated)
    {
        string a = _runs.Run("a", lr: 1e-4);
        string b = _runs.Run("b", lr: 2e-5, lossScale: 2);
        if (evaluated)
        {
            RunFixture.Evaluations(a, """{ "step": 40, "fid": 80, "is_mean": 3.0 }, { "step": 80, "fid": 60, "is_mean": 3.5 }, { "step": 100, "fid": 65, "is_mean": 3.2 }""");
            RunFixture.Evaluations(b, """{ "step": 40, "fid": 90, "is_mean": 2.5 }, { "step": 100, "fid": 70, "is_mean": 2.9 }""");
        }
        return ReportRunLoader.Load([a, b]).Runs;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LossForRun_IsAPngOfThePlotSize_WithTheRunColourDrawn(bool logScale)
    {
        using var image = PngPixels.Decode(LossPlots.ForRun(TwoRuns(false)[0], 0, new LossPlotOptions(logScale)));
        Assert.Equal((PlotStyle.Width, PlotStyle.Height), (image.Width, image.Height));
        Assert.True(PngPixels.DistinctColors(image) > 20, "a blank or nearly blank image");
        Assert.True(PngPixels.CountNear(image, Blue) > 500, "the smoothed loss line (run 0's colour) is missing");
    }

    [Fact]
    public void LossOverlay_DrawsEveryRunInItsColour()
    {
        using var image = PngPixels.Decode(LossPlots.Overlay(TwoRuns(false), new LossPlotOptions()));
        Assert.True(PngPixels.CountNear(image, Blue) > 300);
        Assert.True(PngPixels.CountNear(image, Orange) > 300);
    }

    [Fact]
    public void FrechetComparison_WithEvaluations_DrawsBothRuns()
    {
        using var image = PngPixels.Decode(MetricPlots.Comparison(TwoRuns(true), Metric.FrechetDistance, "FID"));
        Assert.Equal((PlotStyle.Width, PlotStyle.Height), (image.Width, image.Height));
        Assert.True(PngPixels.CountNear(image, Blue) > 300);
        Assert.True(PngPixels.CountNear(image, Orange) > 300);
    }

    [Fact]
    public void FrechetComparison_WithoutEvaluations_IsStillAPlot_WithTextButNoRunLines()
    {
        using var image = PngPixels.Decode(MetricPlots.Comparison(TwoRuns(false), Metric.FrechetDistance));
        Assert.Equal((PlotStyle.Width, PlotStyle.Height), (image.Width, image.Height));
        Assert.Equal(0, PngPixels.CountNear(image, Blue, tolerance: 4));
        Assert.True(PngPixels.CountNear(image, SKColors.Black, tolerance: 60) > 200, "no text was rendered (is a font installed?)");
    }

    [Fact]
    public void Write_CreatesTheDocumentedFiles()
    {
        string outDir = Path.Combine(_runs.Root, "plots");
        var written = PlotWriter.Write(TwoRuns(true), outDir, new LossPlotOptions());

        string[] expected = ["loss_plots/a.png", "loss_plots/b.png", "loss_plots/all_runs.png", "comparison_fid.png", "comparison_is.png"];
        Assert.Equal(expected.Select(e => Path.Combine(outDir, e)), written);
        Assert.All(written, path => Assert.Equal(PlotStyle.Width, PngPixels.Decode(File.ReadAllBytes(path)).Width));
    }

    [Fact]
    public void Write_ResNet18Evaluations_NameThePlotAfterItsFeatureSpace_NeverFid()
    {
        string a = _runs.Run("a");
        File.WriteAllText(Path.Combine(a, "evaluation_results.json"),
            """{ "entries": [ { "step": 40, "fd": 80, "extractor": "resnet18", "n": 2500 }, { "step": 80, "fd": 60, "extractor": "resnet18", "n": 2500 } ] }""");
        string outDir = Path.Combine(_runs.Root, "plots-resnet");

        var written = PlotWriter.Write(ReportRunLoader.Load([a]).Runs, outDir, new LossPlotOptions()).Select(Path.GetFileName).ToList();

        Assert.Contains("comparison_fd-resnet18.png", written);
        Assert.DoesNotContain(written, f => f!.Contains("fid", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void MemorizationRatio_SeriesKeepTheIntervalAndTheHighlightIsTheMaximum_HeldOutIsItsOwnFdCurveButNotItsOwnMemorisationCurve()
    {
        string a = _runs.Run("a");
        RunFixture.Evaluations(a, """
            { "step": 40, "fd": 80, "memorization_ratio_share": 0.02, "memorization_ratio_low": 0.01, "memorization_ratio_high": 0.04 },
            { "step": 80, "fd": 60, "memorization_ratio_share": 0.10, "memorization_ratio_low": 0.07, "memorization_ratio_high": 0.13 },
            { "step": 100, "fd": 65, "memorization_ratio_share": 0.06, "memorization_ratio_low": 0.04, "memorization_ratio_high": 0.08 },
            { "step": 100, "fd": 70, "reference": "folder '/data/test' (flat): 500 images", "memorization_ratio_share": 0.06, "memorization_ratio_low": 0.04, "memorization_ratio_high": 0.08 }
            """);
        var runs = ReportRunLoader.Load([a]).Runs;

        var series = Assert.Single(runs[0].Series(Metric.MemorizationRatio));
        var frechet = runs[0].Series(Metric.FrechetDistance);

        Assert.Equal(new MetricPoint(80, 0.10, 0.07, 0.13), Metrics.Highlight(series.Points, Metric.MemorizationRatio));
        Assert.Equal(new MetricPoint(80, 60), Metrics.Highlight(frechet[0].Points, Metric.FrechetDistance)); // FD keeps its minimum
        Assert.Equal(2, frechet.Count);
        Assert.EndsWith("vs held-out folder '/data/test' (flat)", frechet[1].ProtocolLabel, StringComparison.Ordinal);
        string outDir = Path.Combine(_runs.Root, "plots-memorised");
        Assert.Contains(Path.Combine(outDir, PlotWriter.MemorizationRatioFile), PlotWriter.Write(runs, outDir, new LossPlotOptions()));
        using var image = PngPixels.Decode(MetricPlots.Comparison(runs, Metric.MemorizationRatio));
        Assert.True(PngPixels.CountNear(image, Blue) > 300);
    }

    [Fact]
    public void MemorizationNormalizedDistance_SeriesIsTheMedianAndTheHighlightIsTheMinimum()
    {
        string a = _runs.Run("a");
        RunFixture.Evaluations(a, """
            { "step": 40, "fd": 80, "memorization_normalized_distance_median": 1.8 },
            { "step": 80, "fd": 60, "memorization_normalized_distance_median": 1.2 },
            { "step": 100, "fd": 65, "memorization_normalized_distance_median": 1.5 }
            """);
        var runs = ReportRunLoader.Load([a]).Runs;

        var series = Assert.Single(runs[0].Series(Metric.MemorizationNormalizedDistance));

        Assert.Equal([1.8, 1.2, 1.5], series.Points.Select(p => p.Value));
        Assert.Equal(new MetricPoint(80, 1.2), Metrics.Highlight(series.Points, Metric.MemorizationNormalizedDistance)); // closest to copying
        string outDir = Path.Combine(_runs.Root, "plots-distance");
        Assert.Contains(Path.Combine(outDir, PlotWriter.MemorizationNormalizedDistanceFile), PlotWriter.Write(runs, outDir, new LossPlotOptions()));
        using var image = PngPixels.Decode(MetricPlots.Comparison(runs, Metric.MemorizationNormalizedDistance));
        Assert.True(PngPixels.CountNear(image, Blue) > 300);
    }

    [Theory]
    [InlineData("FID", "comparison_fid.png")]
    [InlineData("FD-ResNet18", "comparison_fd-resnet18.png")]
    [InlineData("FD (torchscript:a b.pt)", "comparison_fd-torchscript-a-b.pt.png")]
    public void FrechetFileFor_LabelsBecomeSafeFileNames(string label, string expected) => Assert.Equal(expected, PlotWriter.FrechetFileFor(label));

    [Fact]
    public void LogScaleTransform_DropsNonPositiveValues_AndTakesLog10()
    {
        var (x, y) = LogScaleAxis.Transform([1, 2, 3], [100, 0, 0.01]);
        Assert.Equal([1.0, 3.0], x);
        Assert.Equal([2.0, -2.0], y);
    }
}
