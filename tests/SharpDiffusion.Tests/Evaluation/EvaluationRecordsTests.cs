using SharpDiffusion.Cli.Commands;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Training;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>What ddpm eval records and decides: results file, skip key, cache key, memorisation split, metric list, checkpoints.</summary>
public sealed class EvaluationRecordsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"sd-evalrec-{Guid.NewGuid():N}");

    public EvaluationRecordsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EvaluationLog_AddTwiceSameKey_KeepsOneEntryPerStepAndKeyAndAppendsCsvRows()
    {
        var log = new EvaluationLog(_dir);
        log.Add(new EvaluationEntry { Step = 200, Fd = 3.5, SettingsKey = "a" });
        log.Add(new EvaluationEntry { Step = 100, Fd = 9.0, IsMean = null, SettingsKey = "a" });
        log.Add(new EvaluationEntry { Step = 200, Fd = 2.5, SettingsKey = "a" });
        log.Add(new EvaluationEntry { Step = 200, Fd = 7.0, SettingsKey = "b" });

        var entries = log.Read();
        Assert.Equal([100, 200, 200], entries.Select(e => e.Step));
        Assert.Equal(2.5, entries.Single(e => e.Step == 200 && e.SettingsKey == "a").Fd);
        Assert.Null(entries[0].IsMean);
        Assert.True(log.HasEntry(200, "b"));
        Assert.False(log.HasEntry(100, "b"));
        var csv = File.ReadAllLines(log.CsvPath);
        Assert.Equal(4, csv.Length); // header + one row per entry (the replaced step-200 "a" row is gone)
        Assert.StartsWith("step,fd,", csv[0]);
        Assert.StartsWith("100,9,", csv[1]);
        Assert.Equal(2, csv.Count(l => l.StartsWith("200,", StringComparison.Ordinal)));
        Assert.DoesNotContain(csv, l => l.StartsWith("200,3.5,", StringComparison.Ordinal));
        Assert.Contains("\"is_mean\": null", File.ReadAllText(log.ResultsPath));
    }

    [Fact]
    public void ReferenceFeatureCache_SecondCallReusesAndAnyKeyPartChangesTheKey()
    {
        var cache = new ReferenceFeatureCache(_dir);
        var key = ReferenceFeatureCache.Key("hash1", "resnet18", "Squash");
        var calls = 0;
        torch.Tensor Compute()
        {
            calls++;
            return torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        }

        using var first = cache.GetOrCompute(key, "resnet18", Compute, out var firstCached);
        using var second = cache.GetOrCompute(key, "resnet18", Compute, out var secondCached);

        Assert.Equal(1, calls);
        Assert.False(firstCached);
        Assert.True(secondCached);
        Assert.True(first.eq(second).all().item<bool>());
        Assert.Equal("resnet18", FeatureStatistics.Load(cache.StatisticsPath(key)).Extractor);
        Assert.NotEqual(key, ReferenceFeatureCache.Key("hash2", "resnet18", "Squash"));
        Assert.NotEqual(key, ReferenceFeatureCache.Key("hash1", "inception@00ff", "Squash"));
        Assert.NotEqual(key, ReferenceFeatureCache.Key("hash1", "resnet18", "CenterCrop"));
    }

    [Fact]
    public void MemorizationCheck_OneDimensionalExample_MatchesHandComputedThresholdAndShare()
    {
        // Real 1-D points 0..10 step 1 (n = 11): held out are indices 0 and 10 (values 0, 10); their nearest among
        // values 1..9 are at distance 1 and 1, so every quantile is 1. Generated 3.0 (copy, 0), 5.5 (0.5), 20 (10):
        // shares strictly below 1: 2 of 3.
        using var real = torch.arange(0, 11, dtype: torch.float64).reshape(11, 1);
        using var generated = torch.tensor(new double[] { 3.0, 5.5, 20.0 }, [3, 1]);

        var result = MemorizationCheck.Compute(generated, real);

        Assert.Equal(1.0, result.Threshold, 12);
        Assert.Equal(2.0 / 3.0, result.ShareBelowThreshold, 12);
        Assert.Equal([3, 5, 10], result.Pairs.Select(p => p.TrainingIndex));
        Assert.Equal(0.0, result.Pairs[0].Distance, 12);
        Assert.Equal(10.0, result.Pairs[2].Distance, 12); // compared with all real images, including held-out 10
    }

    [Fact]
    public void CheckpointMetrics_ExtractorWithoutLogits_ReportsIsAsNotAvailable()
    {
        using var real = torch.randn([20, 3], generator: new torch.Generator(1));
        using var generated = torch.randn([20, 3], generator: new torch.Generator(2));
        using var pixels = torch.zeros([20, 3, 2, 2], torch.uint8);

        var values = CheckpointMetrics.Compute(new MetricInputs("resnet18", real, generated, null, pixels, pixels), ["fd", "is"], seed: 0);

        Assert.Null(values.Entry.IsMean);
        Assert.Contains(values.Entry.Notes, n => n.StartsWith("is: not available", StringComparison.Ordinal));
        Assert.Equal("FD-ResNet18", values.Entry.FrechetLabel);
        Assert.NotNull(values.Entry.Fd);
        Assert.Null(values.Entry.KidMean);
    }

    [Fact]
    public void CheckpointMetrics_InceptionScore_RecordsWhichLogits()
    {
        using var real = torch.randn([20, 3], generator: new torch.Generator(1));
        using var generated = torch.randn([20, 3], generator: new torch.Generator(2));
        using var logits = torch.zeros([20, 4]);
        using var pixels = torch.zeros([20, 3, 2, 2], torch.uint8);

        var values = CheckpointMetrics.Compute(new MetricInputs("inception", real, generated, logits, pixels, pixels, "unbiased"), ["is"], seed: 0);

        Assert.Equal(1.0, values.Entry.IsMean!.Value, 12); // uniform logits
        Assert.Equal("unbiased", values.Entry.IsLogits);
        Assert.Null(values.Entry.Fd);
    }

    [Fact]
    public void MetricNames_ParseKeepsCanonicalOrderAndRejectsUnknown()
    {
        Assert.Equal(["fd", "is", "memorization"], EvaluationMetricNames.Parse("memorization, IS,fd"));
        Assert.Equal(["fd", "kid"], EvaluationMetricNames.Parse("kid,fid")); // the name before "fd" still works
        var error = Assert.Throws<EvaluationException>(() => EvaluationMetricNames.Parse("fd,lpips"));
        Assert.Contains("'lpips'", error.Message);
    }

    [Fact]
    public void EvalCheckpoints_RunWithoutCheckpointsOrUnknownStep_AreClearErrors()
    {
        var run = new RunDirectory(_dir);
        var none = Assert.Throws<UsageException>(() => EvalCheckpoints.Select(run, "latest"));
        Assert.Contains("has no checkpoint yet", none.Message);

        Directory.CreateDirectory(run.CheckpointsDir);
        File.WriteAllText(run.CheckpointPath(100), "");
        File.WriteAllText(run.CheckpointPath(300), "");
        Assert.Equal([100, 300], EvalCheckpoints.Select(run, "all").Select(c => c.Step));
        Assert.Equal([300], EvalCheckpoints.Select(run, "latest").Select(c => c.Step));
        Assert.Equal([100], EvalCheckpoints.Select(run, "100").Select(c => c.Step));
        var unknown = Assert.Throws<UsageException>(() => EvalCheckpoints.Select(run, "200"));
        Assert.Contains("it has steps 100, 300", unknown.Message);
    }
}
