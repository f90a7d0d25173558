using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Training;

[Collection(TrainingTestGroup.Name)]
public sealed class TrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-train-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RunConfig Tiny(int steps) => new()
    {
        Seed = 11,
        Data = new DataConfig { ImageSize = 8, Channels = 3 },
        Model = new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [4], Heads = 1, HeadDim = 8, Groups = 4 },
        // Cosine: ᾱ_T ≈ 0 even for T = 100 (the linear schedule's defaults are meant for T = 1000).
        Diffusion = new DiffusionConfig { Timesteps = 100, Schedule = BetaSchedule.Cosine },
        Training = new TrainingConfig
        {
            // The EMA warms up from step 1, so its decay differs at every step and a resume must pick it up at the right one.
            Steps = steps, BatchSize = 4, Lr = 1e-3, EmaEvery = 1, EmaStart = 1, EmaWarmup = true, LogEvery = 1, CheckpointEvery = 2, KeepLast = 0,
            SampleEvery = 0, SampleCount = 2, SampleSteps = 2, Device = "cpu",
        },
    };

    /// <summary>Eight 8×8 images with a known pattern: image i is a vertical gradient scaled by i, in two classes.</summary>
    private static ImageDataset Patterns(int count = 8)
    {
        var ramp = arange(8, dtype: ScalarType.Float32).view(1, 1, 8, 1).expand(count, 3, 8, 8);
        var scale = arange(1, count + 1, dtype: ScalarType.Float32).view(count, 1, 1, 1);
        var images = (ramp * scale * (255f / 8 / count)).to(ScalarType.Byte).contiguous();
        var labels = arange(count, dtype: ScalarType.Int64) % 2;
        return new ImageDataset(images, labels, ["even", "odd"], $"patterns-{count}");
    }

    [Theory]
    [InlineData(OptimizerKind.FusedAdam, Precision.Fp32)]
    [InlineData(OptimizerKind.Adam, Precision.Fp32)]
    [InlineData(OptimizerKind.FusedAdamw, Precision.Bf16)]
    public void Resume_TwoStepsThenTwo_EqualsFourStepsBitwise(OptimizerKind optimizer, Precision precision)
    {
        RunConfig Config(int steps) => Tiny(steps) with { Training = Tiny(steps).Training with { Optimizer = optimizer, Precision = precision, WeightDecay = 0.01 } };
        using var data = Patterns();
        var straight = new RunDirectory(Path.Combine(_dir, "straight"));
        new Trainer(Config(4), data, straight, CPU).Run(resume: false);

        var split = new RunDirectory(Path.Combine(_dir, "split"));
        var first = new Trainer(Config(2), data, split, CPU).Run(resume: false);
        var second = new Trainer(Config(4), data, split, CPU).Run(resume: true);

        Assert.Equal((0, 2, 2, 4), (first.StartStep, first.FinalStep, second.StartStep, second.FinalStep));
        foreach (bool ema in new[] { false, true })
        {
            using var a = LoadedModel.Load(straight.CheckpointPath(4), CPU, useEma: ema).Model;
            using var b = LoadedModel.Load(split.CheckpointPath(4), CPU, useEma: ema).Model;
            var other = b.state_dict();
            Assert.All(a.state_dict(), kv => Assert.True(kv.Value.equal(other[kv.Key]).all().item<bool>(), $"{kv.Key} (ema: {ema})"));
        }
        Assert.Equal([1, 2, 3, 4], new TrainingLog(split.LogPath).Read().Select(r => r.Step));
    }

    [Fact]
    public void Resume_AdamCheckpointWithFusedAdam_ContinuesLikeAdamTo1e6()
    {
        // Both optimizers write TorchSharp's Adam format, so a run may switch on --resume; only float rounding differs.
        RunConfig Config(int steps, OptimizerKind optimizer) => Tiny(steps) with { Training = Tiny(steps).Training with { Optimizer = optimizer } };
        using var data = Patterns();
        var straight = new RunDirectory(Path.Combine(_dir, "adam"));
        new Trainer(Config(6, OptimizerKind.Adam), data, straight, CPU).Run(resume: false);
        var switched = new RunDirectory(Path.Combine(_dir, "switched"));
        new Trainer(Config(3, OptimizerKind.Adam), data, switched, CPU).Run(resume: false);
        new Trainer(Config(6, OptimizerKind.FusedAdam), data, switched, CPU).Run(resume: true);

        using var a = LoadedModel.Load(straight.CheckpointPath(6), CPU, useEma: false).Model;
        using var b = LoadedModel.Load(switched.CheckpointPath(6), CPU, useEma: false).Model;
        double difference = a.parameters().Zip(b.parameters()).Max(p => p.First.sub(p.Second).abs().max().item<float>());
        Assert.True(difference <= 1e-6, $"max |θ_adam − θ_switched| = {difference}");
    }

    [Fact]
    public void Cancel_SavesACheckpointAtTheCurrentStep()
    {
        using var data = Patterns();
        var run = new RunDirectory(Path.Combine(_dir, "cancel"));
        using var stop = new CancellationTokenSource();
        var trainer = new Trainer(Tiny(50), data, run, CPU);
        trainer.Progress += p =>
        {
            if (p.Step == 3) stop.Cancel();
        };

        var result = trainer.Run(resume: false, stop.Token);

        Assert.True(result.Interrupted);
        Assert.Equal(3, result.FinalStep);
        Assert.Equal(run.CheckpointPath(3), run.LatestCheckpoint());
        Assert.Equal(3, CheckpointFile.ReadMetadata(run.CheckpointPath(3)).Step);
    }

    [Fact]
    public void Train_OneBatchRepeatedly_LossFallsByALargeFactor()
    {
        using var data = Patterns(4);
        var config = Tiny(300) with { Training = Tiny(300).Training with { CheckpointEvery = 1000, LogEvery = 25, Lr = 3e-3 } };
        var run = new RunDirectory(Path.Combine(_dir, "overfit"));
        new Trainer(config, data, run, CPU).Run(resume: false);

        var rows = new TrainingLog(run.LogPath).Read();
        double first = rows[0].Loss;
        double last = rows.TakeLast(2).Average(r => r.Loss);
        Assert.True(last < first / 5, $"loss went from {first} to {last}");
    }

    [Fact]
    public void Train_OneImageDataset_SamplesLandCloseToIt()
    {
        // x₀-prediction: the optimal network for one image is a constant, so 300 steps of a tiny model suffice and the test
        // exercises the whole path (trainer, checkpoint, reload from the stored config, DDIM, objective adapter) rather
        // than model capacity. ε-prediction on the same budget leaves visible noise (its error is amplified by 1/√ᾱ).
        using var data = Patterns(1);
        var config = Tiny(300) with
        {
            Diffusion = Tiny(300).Diffusion with { Objective = Objective.X0 },
            Training = Tiny(300).Training with { CheckpointEvery = 1000, LogEvery = 100, EmaStart = 1000, Lr = 3e-3 },
        };
        var run = new RunDirectory(Path.Combine(_dir, "one"));
        new Trainer(config, data, run, CPU).Run(resume: false);

        using var model = LoadedModel.Load(run.LatestCheckpoint()!, CPU, useEma: false).Model;
        var formulation = Formulations.For(config.Diffusion);
        var request = new GenerationRequest(8, new SamplerChoice("ddim"), NoiseLevels.Create(TimestepSpacing.Leading, 20, formulation), Seed: 5);
        using var samples = ImageGenerator.Generate(model, formulation, request, CPU);
        using var target = data.Images.to(ScalarType.Float32).div(127.5).sub(1);

        double error = samples.sub(target).pow(2).mean().item<float>();
        double spread = target.var().item<float>(); // what a flat image at the right mean would score
        Assert.True(error < 0.01 && error < spread / 20, $"mean squared error {error} (image variance {spread})");
    }
}

public sealed class TrainerFaultTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-fault-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RunConfig Tiny() => new()
    {
        Seed = 3,
        Data = new DataConfig { ImageSize = 8 },
        Model = new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Groups = 4 },
        Diffusion = new DiffusionConfig { Timesteps = 100, Schedule = BetaSchedule.Cosine },
        Training = new TrainingConfig { Steps = 4, BatchSize = 2, EmaEvery = 1, EmaStart = 0, SampleEvery = 0, SampleCount = 1, SampleSteps = 2, Device = "cpu" },
    };

    [Theory]
    [InlineData(OptimizerKind.FusedAdam)]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.FusedAdamw)]
    public void Step_WithNaNGradient_ChangesNoWeightAndIsReportedSkipped(OptimizerKind optimizer)
    {
        var config = Tiny() with { Training = Tiny().Training with { Optimizer = optimizer, WeightDecay = 0.01 } };
        using var model = ModelFactory.Create(config, 3, 8, CPU);
        using var ema = ModelFactory.CreateEma(model, config, CPU);
        using var update = ParameterUpdates.Create(config with { Training = config.Training with { EmaDecay = 0.9, EmaEvery = 1 } }, model, ema, emaStart: 0);
        var step = new TrainingStep(config, update, Formulations.For(config.Diffusion));
        using var generator = new Generator(1);
        using var images = rand([2, 3, 8, 8], generator: generator) * 2 - 1;
        using var labels = zeros(2, ScalarType.Int64);

        Assert.True(step.Run(1, images, model.Accepts.FromData(images, labels, generator).Condition, generator).Applied.item<bool>());
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var emaBefore = ema.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var momentsBefore = OptimizerBytes(update);

        using var poisoned = images.clone();
        poisoned[0, 0, 0, 0] = tensor(float.NaN);
        var (loss, applied) = step.Run(2, poisoned, model.Accepts.FromData(poisoned, labels, generator).Condition, generator);

        Assert.False(applied.item<bool>());
        Assert.True(float.IsNaN(loss.item<float>()));
        Assert.All(model.state_dict(), kv => Assert.True(kv.Value.equal(before[kv.Key]).all().item<bool>(), kv.Key));
        Assert.All(ema.state_dict(), kv => Assert.True(kv.Value.equal(emaBefore[kv.Key]).all().item<bool>(), kv.Key));
        Assert.Equal(momentsBefore, OptimizerBytes(update)); // moments and step count (bias correction) untouched
        Assert.True(step.Run(3, images, model.Accepts.FromData(images, labels, generator).Condition, generator).Applied.item<bool>()); // and training goes on
    }

    /// <summary>The optimizer's checkpoint section: moments and step counts of every parameter.</summary>
    private static byte[] OptimizerBytes(IParameterUpdate update)
    {
        update.PrepareSave();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            ((TorchSharp.Modules.OptimizerHelper)update.Checkpointed).save_state_dict(writer);
        return stream.ToArray();
    }

    [Fact]
    public void Train_DivergingRun_StopsWithAMessageAndKeepsTheLastGoodCheckpoint()
    {
        // An absurd learning rate makes every weight jump by about ±lr per Adam step, so activations overflow within a few
        // steps (deterministic on the CPU for this seed); each checkpoint before that holds finite weights.
        var config = Tiny() with { Training = Tiny().Training with { Steps = 200, Lr = 0.99, CheckpointEvery = 1, KeepLast = 0, MaxBadSteps = 3, GradClip = 0 } };
        using var images = full([4, 3, 8, 8], 255, ScalarType.Byte);
        using var data = new ImageDataset(images.clone(), zeros(4, ScalarType.Int64), ["x"], "white");
        var run = new RunDirectory(Path.Combine(_dir, "diverge"));
        var trainer = new Trainer(config, data, run, CPU);

        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Run(resume: false));

        Assert.Contains("3 consecutive steps", e.Message, StringComparison.Ordinal);
        string? latest = run.LatestCheckpoint();
        Assert.NotNull(latest);
        Assert.Contains(Path.GetFileName(latest), e.Message, StringComparison.Ordinal);
        var meta = CheckpointFile.ReadMetadata(latest); // intact and loadable
        using var model = LoadedModel.Load(latest, CPU, useEma: false).Model;
        Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
        Assert.True(meta.Step >= 1);
    }
}
