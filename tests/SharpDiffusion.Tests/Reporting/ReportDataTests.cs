using System.Text.Json.Nodes;
using SharpDiffusion.Reporting;
using SkiaSharp;

namespace SharpDiffusion.Tests.Reporting;

public class MetricsTests
{
    // Shaped like the reference study's exp4: FID is lowest at 88k while IS peaks at 96k (different checkpoints).
    private static readonly EvaluationResults Study = new("inception",
    [
        new(80000, Fd: 61.2, IsMean: 6.40),
        new(88000, Fd: 59.01, IsMean: 6.49),
        new(96000, Fd: 59.8, IsMean: 6.57),
        new(100000, Fd: null, IsMean: 6.50),
    ]);

    [Fact]
    public void Best_FidIsMinimumAndIsIsMaximum_AtTheirOwnSteps()
    {
        Assert.Equal(new MetricPoint(88000, 59.01), Metrics.Best(Metrics.Series(Study, Metric.FrechetDistance).Single().Points, Metric.FrechetDistance));
        Assert.Equal(new MetricPoint(96000, 6.57), Metrics.Best(Metrics.Series(Study, Metric.InceptionScore).Single().Points, Metric.InceptionScore));
    }

    [Fact]
    public void Series_SkipsEntriesWithoutTheMetric_AndSortsBySteps()
    {
        var shuffled = Study with { Entries = Study.Entries.Reverse().ToList() };
        Assert.Equal([80000, 88000, 96000], Metrics.Series(shuffled, Metric.FrechetDistance).Single().Points.Select(p => p.Step));
        Assert.Equal(4, Metrics.Series(shuffled, Metric.InceptionScore).Single().Points.Count);
    }

    [Fact]
    public void Best_Tie_GoesToTheEarlierStep() =>
        Assert.Equal(4000, Metrics.Best([new(8000, 50), new(4000, 50), new(12000, 51)], Metric.FrechetDistance)!.Value.Step);

    [Fact]
    public void Series_SameStepTwice_LaterEntryWins() =>
        Assert.Equal(55.0, Metrics.Series(new EvaluationResults(null, [new(4000, Fd: 70), new(4000, Fd: 55)]), Metric.FrechetDistance).Single().Points.Single().Value);

    [Fact]
    public void Series_RawWeightsAtTheSameStep_AreTheirOwnCurve_AndEntriesWithoutWeightsAreEma()
    {
        // ddpm eval --raw-weights at 8000 after the EMA evaluation of 8000: both points stay, on two curves.
        var results = new EvaluationResults("resnet18",
        [
            new(4000, Fd: 70, N: 500, Sampler: "ddim", Steps: 50, Guidance: 0),
            new(8000, Fd: 50, N: 500, Sampler: "ddim", Steps: 50, Guidance: 0, Weights: "ema"),
            new(8000, Fd: 65, N: 500, Sampler: "ddim", Steps: 50, Guidance: 0, Weights: "raw"),
        ]);

        var series = Metrics.Series(results, Metric.FrechetDistance);

        Assert.Equal(2, series.Count);
        Assert.Equal([(4000, 70.0), (8000, 50.0)], series[0].Points.Select(p => (p.Step, p.Value)));
        Assert.Equal([(8000, 65.0)], series[1].Points.Select(p => (p.Step, p.Value)));
        Assert.Equal("resnet18, n = 500, ddim 50 steps, guidance 0", series[0].ProtocolLabel);
        Assert.Equal("resnet18, n = 500, ddim 50 steps, guidance 0, raw weights", series[1].ProtocolLabel);
    }

    [Fact]
    public void Series_TwoProtocols_AreTwoCurves_AndAQuickEvaluationReplacesNothing()
    {
        // The 2,500-sample curve at 4000/8000 and a quick --n 16 check at 8000: the quick one is its own curve.
        var results = new EvaluationResults(null,
        [
            new(4000, Fd: 70, N: 2500, Sampler: "ddim", Steps: 250, Extractor: "resnet18", Guidance: 0),
            new(8000, Fd: 50, N: 2500, Sampler: "ddim", Steps: 250, Extractor: "resnet18", Guidance: 0),
            new(8000, Fd: 140, N: 16, Sampler: "ddim", Steps: 250, Extractor: "resnet18", Guidance: 0),
        ]);

        var series = Metrics.Series(results, Metric.FrechetDistance);

        Assert.Equal(2, series.Count);
        Assert.Equal([(4000, 70.0), (8000, 50.0)], series[0].Points.Select(p => (p.Step, p.Value)));
        Assert.Equal([(8000, 140.0)], series[1].Points.Select(p => (p.Step, p.Value)));
        Assert.Equal("FD-ResNet18", series[0].MetricLabel);
        Assert.Equal("resnet18, n = 2500, ddim 250 steps, guidance 0", series[0].ProtocolLabel);
        Assert.Equal("resnet18, n = 16, ddim 250 steps, guidance 0", series[1].ProtocolLabel);
        Assert.Same(series[0], Metrics.Main(series)); // more points
    }

    [Fact]
    public void Series_InceptionScoreOverOtherLogits_IsAnotherCurve()
    {
        var results = new EvaluationResults("inception",
        [
            new(4000, IsMean: 6.0, N: 2500, IsLogits: "unbiased"),
            new(4000, IsMean: 5.9, N: 2500, IsLogits: "biased"),
            new(4000, Fd: 20, IsMean: 5.8, N: 2500),
        ]);

        var series = Metrics.Series(results, Metric.InceptionScore);

        Assert.Equal(["inception, n = 2500, unbiased logits", "inception, n = 2500, biased logits", "inception, n = 2500, logits not recorded"],
            series.Select(s => s.ProtocolLabel));
        Assert.Equal("FID", Metrics.Series(results, Metric.FrechetDistance).Single().MetricLabel); // the file's extractor: Inception
    }

    [Fact]
    public void Main_EqualPointCounts_PrefersMoreSamples() =>
        Assert.Equal(2500, Metrics.Main(Metrics.Series(new EvaluationResults("resnet18",
            [new(4000, Fd: 9, N: 16), new(4000, Fd: 70, N: 2500), new(8000, Fd: 8, N: 16), new(8000, Fd: 60, N: 2500)]), Metric.FrechetDistance))!.Protocol.N);

    [Fact]
    public void Best_NoPoints_IsNull() => Assert.Null(Metrics.Best([], Metric.InceptionScore));
}

public sealed class EvaluationResultsTests : IDisposable
{
    private readonly string _path = Path.Combine(Directory.CreateTempSubdirectory("sd-eval-").FullName, "evaluation_results.json");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_path)!, recursive: true);

    [Fact]
    public void Read_FullEntry_AllFieldsParsed()
    {
        File.WriteAllText(_path, """
            { "extractor": "inception", "entries": [ { "step": 4000, "fid": 59.0, "is_mean": 6.5, "is_std": 0.1, "kid": 0.01, "precision": 0.5,
              "recall": 0.4, "memorization_share": 0.02, "n": 2500, "sampler": "ddim", "steps": 250, "extractor": "inception", "seed": 0, "seconds": 100.0 } ] }
            """);
        var results = EvaluationResults.Read(_path);
        Assert.Equal("inception", results.Extractor);
        Assert.Equal(new EvaluationEntry(4000, 59.0, 6.5, 0.1, 0.01, 0.5, 0.4, 0.02, 2500, "ddim", 250, "inception", 0, 100.0), results.Entries.Single());
    }

    [Fact]
    public void Read_CurrentFields_GuidanceAndIsLogitsParsed()
    {
        File.WriteAllText(_path, """
            { "entries": [ { "step": 4000, "fd": 12.5, "frechet_label": "FD-ResNet18", "extractor": "resnet18", "guidance": 1.5, "is_logits": "unbiased" } ] }
            """);
        var entry = EvaluationResults.Read(_path).Entries.Single();
        Assert.Equal((12.5, 1.5, "unbiased"), (entry.Fd, entry.Guidance, entry.IsLogits));
        Assert.Equal("FD-ResNet18", entry.Protocol(null).FrechetLabel);
    }

    [Fact]
    public void Read_NullAbsentAndExtraFields_AreTolerated()
    {
        File.WriteAllText(_path, """
            { "future_field": {"x": 1}, "entries": [ { "step": 8000, "fid": null, "is_mean": 5.5, "new_metric": 3 }, { "fid": 12.0 }, { "step": 12000 } ] }
            """);
        var entries = EvaluationResults.Read(_path).Entries;
        Assert.Equal([8000, 12000], entries.Select(e => e.Step)); // the entry without a step is dropped
        Assert.Equal((null, 5.5), (entries[0].Fd, entries[0].IsMean));
        Assert.Null(entries[1].IsMean);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("[1, 2]")]
    public void Read_NotTheExpectedJson_ThrowsInvalidDataNamingTheFile(string text)
    {
        File.WriteAllText(_path, text);
        var e = Assert.Throws<InvalidDataException>(() => EvaluationResults.Read(_path));
        Assert.Contains(_path, e.Message, StringComparison.Ordinal);
    }
}

public class ConfigDiffTests
{
    [Fact]
    public void Between_ReportsChangedAddedAndRemovedLeaves_IgnoringName()
    {
        var baseline = JsonNode.Parse("""{ "name": "baseline", "model": { "dim": 64, "dim_mults": [1,2,4,8] }, "training": { "lr": 1e-4, "steps": 70000 }, "data": { "limit": 0 } }""")!.AsObject();
        var exp = JsonNode.Parse("""{ "name": "exp1", "model": { "dim": 64, "dim_mults": [1,2,4] }, "training": { "lr": 2e-5, "steps": 70000 }, "data": { "hflip": true } }""")!.AsObject();

        var changes = ConfigDiff.Between(baseline, exp);

        Assert.Equal(
        [
            new ConfigChange("data.hflip", null, "true"),
            new ConfigChange("data.limit", "0", null),
            new ConfigChange("model.dim_mults", "[1,2,4,8]", "[1,2,4]"),
            new ConfigChange("training.lr", "0.0001", "2e-05"),
        ], changes);
    }

    [Fact]
    public void Between_SameValuesWrittenDifferently_NoChanges()
    {
        var a = JsonNode.Parse("""{ "name": "a", "model": { "dim": 64 }, "training": { "lr": 1e-4 } }""")!.AsObject();
        var b = JsonNode.Parse("""{ "name": "b", "model": { "dim": 64.0 }, "training": { "lr": 0.0001 } }""")!.AsObject();
        Assert.Empty(ConfigDiff.Between(a, b));
    }
}

public class LossSmoothingTests
{
    [Fact]
    public void Ema_ConstantSeries_StaysConstant_ThanksToDebiasing() =>
        Assert.All(LossSmoothing.Ema([3.0, 3.0, 3.0, 3.0], 0.9), v => Assert.Equal(3.0, v, 12));

    [Fact]
    public void Ema_TwoPoints_MatchesHandComputation()
    {
        // w = 0.5: s1 = 0.5·1 = 0.5, debiased 0.5/(1−0.5) = 1; s2 = 0.5·0.5 + 0.5·0 = 0.25, debiased 0.25/(1−0.25) = 1/3.
        var s = LossSmoothing.Ema([1.0, 0.0], 0.5);
        Assert.Equal(1.0, s[0], 12);
        Assert.Equal(1.0 / 3, s[1], 12);
    }

    [Fact]
    public void Ema_WeightZero_IsTheRawSeries() => Assert.Equal([5.0, 1.0, 2.0], LossSmoothing.Ema([5.0, 1.0, 2.0], 0));
}

public sealed class ReportRunLoaderTests : IDisposable
{
    private readonly RunFixture _runs = new();

    public void Dispose() => _runs.Dispose();

    [Fact]
    public void Load_NotARunAndMissingFolder_SkippedWithWarnings_RunsKeptInOrder()
    {
        string b = _runs.Run("b");
        string notRun = Directory.CreateDirectory(Path.Combine(_runs.Root, "notes")).FullName;
        string a = _runs.Run("a");

        var set = ReportRunLoader.Load([b, notRun, Path.Combine(_runs.Root, "missing"), a]);

        Assert.Equal(["b", "a"], set.Runs.Select(r => r.Name));
        Assert.Equal(2, set.Warnings.Count);
        Assert.Contains("not a run folder", set.Warnings[0], StringComparison.Ordinal);
        Assert.Contains("does not exist", set.Warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptEvaluationFile_RunKeptWithoutEvaluations()
    {
        string a = _runs.Run("a");
        File.WriteAllText(Path.Combine(a, "evaluation_results.json"), "{ broken");
        var set = ReportRunLoader.Load([a]);
        Assert.Null(set.Runs.Single().Evaluations);
        Assert.Contains("evaluation_results.json", Assert.Single(set.Warnings), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_LatestSampleGrid_ChosenByStepNumberNotByName()
    {
        string a = _runs.Run("a");
        RunFixture.SampleGrid(a, 999999, SKColors.Red);
        RunFixture.SampleGrid(a, 1000000, SKColors.Blue); // 7 digits: sorts before 999999 as text
        var run = ReportRunLoader.Load([a]).Runs.Single();
        Assert.Equal(1000000, run.LatestSampleStep);
    }

    [Fact]
    public void Load_TwoFoldersWithOneName_GetDistinctNames()
    {
        string first = _runs.Run(Path.Combine("x", "exp"));
        string second = _runs.Run(Path.Combine("y", "exp"));
        Assert.Equal(["exp", "exp (2)"], ReportRunLoader.Load([first, second]).Runs.Select(r => r.Name));
    }
}

/// <summary>The report reads exactly what <c>ddpm eval</c> writes (the two sides share only the file format).</summary>
public sealed class ReportReadsEvalOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-evalfmt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Read_FileWrittenByEvaluationLog_GivesTheSameMetrics()
    {
        var log = new SharpDiffusion.Evaluation.EvaluationLog(_dir);
        log.Add(new SharpDiffusion.Evaluation.EvaluationEntry
        {
            Step = 4000, Fd = 59.01, IsMean = 6.57, IsStd = 0.1, KidMean = 0.012, Precision = 0.5, Recall = 0.4, MemorizationShare = 0.02,
            N = 2500, Sampler = "ddim", Steps = 250, Extractor = "inception", Seed = 3, Seconds = 12, SettingsKey = "k",
        });

        var read = SharpDiffusion.Reporting.EvaluationResults.Read(log.ResultsPath);

        var e = Assert.Single(read.Entries);
        Assert.Equal((4000, 59.01, 6.57, 0.012, 0.5, 0.4, 0.02), (e.Step, e.Fd, e.IsMean, e.Kid, e.Precision, e.Recall, e.MemorizationShare));
        Assert.Equal(("ddim", 250, "inception", 2500), (e.Sampler, e.Steps, e.Extractor, e.N));
        Assert.Equal("inception", read.Extractor);
    }
}
