using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Config;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>
/// The ddp-trainer real statistics (denoising-diffusion-pytorch's Trainer's FID real side) against known answers. The draws
/// were computed independently with CPython's random module: its MT19937 state set to init_genrand(seed) (setstate), the
/// epoch shuffled with getrandbits(32) masked and redrawn (numpy's legacy interval; the same stream gives
/// numpy.random.RandomState(0).permutation(5) = [2, 0, 1, 3, 4]), then one masked bit per image for the flip.
/// </summary>
public class RealStatisticsTests
{
    [Fact]
    public void TrainerLoaderDraws_ThreeImagesBatchTwoNFive_CyclesEpochsInShortBatchesWithSeededFlips()
    {
        // ⌈5/2⌉ = 3 batches: epoch 1 gives [2, 1] and the short [0]; epoch 2 gives [2, 1].
        var draws = RealStatistics.TrainerLoaderDraws(count: 3, n: 5, batch: 2, seed: 7);

        Assert.Equal([new(2, false), new(1, true), new(0, true), new(2, false), new(1, true)], draws);
    }

    [Fact]
    public void TrainerLoaderDraws_BatchLargerThanTheSet_TakesOneWholeShortBatch()
    {
        // One batch of 16 from a 4-image set is the whole epoch, so the real side holds 4 images although n = 3.
        var draws = RealStatistics.TrainerLoaderDraws(count: 4, n: 3, batch: 16, seed: 0);

        Assert.Equal([new(2, true), new(3, true), new(1, true), new(0, true)], draws);
    }

    [Fact]
    public void TrainerLoaderDraws_SameSeedSameDraws_OtherSeedOtherDraws_EveryEpochAPermutation()
    {
        var a = RealStatistics.TrainerLoaderDraws(10, 100, 10, seed: 1);
        Assert.Equal(a, RealStatistics.TrainerLoaderDraws(10, 100, 10, seed: 1));
        Assert.NotEqual(a, RealStatistics.TrainerLoaderDraws(10, 100, 10, seed: 2));
        Assert.Equal(100, a.Count);
        foreach (var epoch in a.Chunk(10)) Assert.Equal(Enumerable.Range(0, 10), epoch.Select(d => d.Image).Order());
        Assert.InRange(a.Count(d => d.Flipped), 30, 70); // p = ½ over 100 draws
    }

    [Fact]
    public void FrechetDistance_DdpTrainerRealSide_EqualsTheHandComputation()
    {
        // 1-d features: clean images 0, 1, 2; their mirrors 10, 11, 12. Draws of the first test: 2, 11, 10, 2, 11
        // (mean 7.2, unbiased variance 90.8 / 4 = 22.7). Generated 0, 2, 4 (mean 2, variance 4).
        // FD = (7.2 − 2)² + 22.7 + 4 − 2·√(22.7·4); on the clean set (mean 1, variance 1): 1 + 1 + 4 − 2·2 = 2.
        using var clean = tensor(new double[] { 0, 1, 2 }).reshape(3, 1);
        using var mirrored = tensor(new double[] { 10, 11, 12 }).reshape(3, 1);
        using var generated = tensor(new double[] { 0, 2, 4 }).reshape(3, 1);
        using var loader = RealStatistics.Gather(clean, mirrored, RealStatistics.TrainerLoaderDraws(3, 5, 2, seed: 7));
        Assert.Equal(new double[] { 2, 11, 10, 2, 11 }, loader.data<double>().ToArray());

        using var pixels = zeros(3, 3, 2, 2, dtype: ScalarType.Byte);
        var metrics = new[] { EvaluationMetricNames.Frechet };
        var ddp = CheckpointMetrics.Compute(new MetricInputs("resnet18", clean, generated, null, pixels, pixels, FrechetRealFeatures: loader), metrics, 0).Entry.Fd!.Value;
        var images = CheckpointMetrics.Compute(new MetricInputs("resnet18", clean, generated, null, pixels, pixels), metrics, 0).Entry.Fd!.Value;

        Assert.Equal(5.2 * 5.2 + 22.7 + 4 - 2 * Math.Sqrt(22.7 * 4), ddp, 1e-9);
        Assert.Equal(2, images, 1e-9);
    }

    [Fact]
    public void Protocol_DdpTrainerAndSpacing_AreKeyedRecordedAndCurvedApart_DefaultsKeepTheOldKey()
    {
        var plain = new EvaluationProtocol(2500, ["fd"], "ddim", 250, 0, 0, 64);
        const string OldKey = "n=2500;metrics=fd;extractor=resnet18;sampler=ddim;steps=250;guidance=0;seed=0;data=abc";
        Assert.Equal(OldKey, plain.SettingsKey("resnet18", "abc"));
        Assert.Equal(OldKey, (plain with { Spacing = "leading" }).SettingsKey("resnet18", "abc")); // ddim's default spacing, named
        Assert.Equal(OldKey + ";real=ddp-trainer", (plain with { RealStats = RealStatistics.DdpTrainer }).SettingsKey("resnet18", "abc"));
        Assert.Equal(OldKey + ";spacing=ddp", (plain with { Spacing = "ddp" }).SettingsKey("resnet18", "abc"));

        var entry = new EvaluationEntry { Step = 100, N = 2500, Sampler = "ddim", Steps = 250, Extractor = "resnet18", Fd = 1 };
        var old = CurveProtocol.Of(entry);
        var trainer = CurveProtocol.Of(entry with { RealStats = RealStatistics.DdpTrainer, Spacing = "ddp" });
        Assert.Equal("resnet18_n2500_ddim250_w0", old.Tag);
        Assert.Equal("resnet18_n2500_ddim250-ddp_w0_ddp-trainer", trainer.Tag);
        Assert.Equal("resnet18, n = 2500, ddim 250 steps (ddp spacing), guidance 0, real stats ddp-trainer", trainer.Label);
        Assert.NotEqual(old, trainer);
    }

    [Fact]
    public void Report_EntryWithRealStats_IsItsOwnCurve_OldEntriesKeepTheirs()
    {
        var path = Path.Combine(Path.GetTempPath(), $"real-stats-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {"extractor": "resnet18", "entries": [
              {"step": 100, "fd": 10, "n": 500, "sampler": "ddim", "steps": 20, "guidance": 0},
              {"step": 100, "fd": 12, "n": 500, "sampler": "ddim", "steps": 20, "guidance": 0, "real_stats": "ddp-trainer"}]}
            """);
        SharpDiffusion.Reporting.EvaluationResults read;
        try { read = SharpDiffusion.Reporting.EvaluationResults.Read(path); }
        finally { File.Delete(path); }
        var protocols = read.Entries.Select(e => e.Protocol(read.Extractor)).ToArray();
        Assert.Null(protocols[0].RealStats);
        Assert.Equal("ddp-trainer", protocols[1].RealStats);
        Assert.NotEqual(protocols[0], protocols[1]);
    }

    [Fact]
    public void EvaluationSampling_RunWithoutSection_IsTheReferenceDdim250_ImportedRunIsTheLibrarys()
    {
        const int T = 1000;
        var trained = RunSampling.Resolve(new SamplingConfig(), null, null, "auto", Ddpm(T), EvaluationProtocol.ReferenceSteps);
        Assert.Equal(new SamplingPlan("ddim", 250, TimestepSpacing.Leading), trained);
        Assert.Equal(new SamplingPlan("ddpm", 250, TimestepSpacing.Leading), RunSampling.Resolve(new SamplingConfig(), "ddpm", null, "auto", Ddpm(T), EvaluationProtocol.ReferenceSteps));

        var imported = new SamplingConfig { Sampler = "ddim", Steps = 10, Spacing = "ddp" };
        var plan = RunSampling.Resolve(imported, null, null, "auto", Ddpm(T), EvaluationProtocol.ReferenceSteps);
        Assert.Equal("ddim", plan.Sampler);
        Assert.Equal(10, plan.Steps);
        Assert.Equal("ddp", TimestepSpacings.NameOf(plan.Spacing));
        Assert.Equal(50, RunSampling.Resolve(imported, null, 50, "auto", Ddpm(T), EvaluationProtocol.ReferenceSteps).Steps);
    }

    private static IFormulation Ddpm(int timesteps) => Formulations.For(new DiffusionConfig { Timesteps = timesteps });
}
