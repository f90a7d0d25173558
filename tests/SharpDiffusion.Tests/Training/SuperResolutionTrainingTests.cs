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
public sealed class SuperResolutionTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-sr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RunConfig Upscaler(int steps, int size = 8, int cropSize = 0, double augmentationMax = 0.5) => new()
    {
        Seed = 4,
        Data = new DataConfig { ImageSize = size, Channels = 3 },
        Model = new ModelConfig
        {
            Dim = 16, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Heads = 1, HeadDim = 8, Groups = 4,
            SuperResolution = new SuperResolutionConfig { InputSize = size / 2, AugmentationMax = augmentationMax, AugmentationLevel = 0, CropSize = cropSize, ConditionDropout = 0.1 },
        },
        Diffusion = new DiffusionConfig { Timesteps = 100, Schedule = BetaSchedule.Cosine, Objective = Objective.X0 },
        Training = new TrainingConfig
        {
            Steps = steps, BatchSize = 4, Lr = 2e-3, EmaEvery = 1, EmaStart = 1, LogEvery = 1, CheckpointEvery = 2, KeepLast = 0,
            SampleEvery = 0, SampleCount = 2, SampleSteps = 2, Device = "cpu",
        },
    };

    /// <summary>A 3-channel checkerboard of 2×2 cells with a red square: sharp edges that bicubic upscaling from half size blurs.</summary>
    private static ImageDataset OneImage(int size)
    {
        var images = zeros([1, 3, size, size], ScalarType.Byte);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                byte v = (byte)(((x / 2) + (y / 2)) % 2 == 0 ? 230 : 20);
                images[0, 1, y, x] = tensor(v);
                images[0, 2, y, x] = tensor(v);
                images[0, 0, y, x] = tensor(x >= size / 4 && x < size * 3 / 4 && y >= size / 4 && y < size * 3 / 4 ? (byte)250 : v);
            }
        return new ImageDataset(images, zeros(1, ScalarType.Int64), ["one"], $"one-image-{size}");
    }

    // Two straight runs must agree too: on a host with oneDNN's cache-size bug this holds only with the channel padding (Runtime/OneDnnSetup).
    [Fact]
    public void Resume_TwoStepsThenTwo_EqualsFourStepsBitwise()
    {
        using var data = OneImage(16);
        RunConfig Config(int steps) => Upscaler(steps, size: 16, cropSize: 8);
        var straight = new RunDirectory(Path.Combine(_dir, "straight"));
        new Trainer(Config(4), data, straight, CPU).Run(resume: false);
        var again = new RunDirectory(Path.Combine(_dir, "again"));
        new Trainer(Config(4), data, again, CPU).Run(resume: false);
        using (var s1 = LoadedModel.Load(straight.CheckpointPath(4), CPU).Model)
        using (var s2 = LoadedModel.Load(again.CheckpointPath(4), CPU).Model)
        {
            var w2 = s2.state_dict();
            Assert.All(s1.state_dict(), kv => Assert.True(kv.Value.equal(w2[kv.Key]).all().item<bool>(), "two straight runs differ at " + kv.Key));
        }
        var split = new RunDirectory(Path.Combine(_dir, "split"));
        new Trainer(Config(2), data, split, CPU).Run(resume: false);
        new Trainer(Config(4), data, split, CPU).Run(resume: true);

        using var a = LoadedModel.Load(straight.CheckpointPath(4), CPU).Model;
        using var b = LoadedModel.Load(split.CheckpointPath(4), CPU).Model;
        var bWeights = b.state_dict();
        Assert.All(a.state_dict(), kv => Assert.True(kv.Value.equal(bWeights[kv.Key]).all().item<bool>(), kv.Key));
    }

    [Fact]
    public void Checkpoint_RoundTrip_RecordsFamilySizesAndAugmentationAndRebuildsTheSameNetwork()
    {
        using var data = OneImage(8);
        var run = new RunDirectory(Path.Combine(_dir, "roundtrip"));
        var config = Upscaler(2);
        new Trainer(config, data, run, CPU).Run(resume: false);

        var loaded = LoadedModel.Load(run.CheckpointPath(2), CPU, useEma: false);
        using var model = loaded.Model;
        Assert.Equal(ModelFamily.SuperResolution, loaded.Metadata.Family);
        Assert.Equal(8, loaded.Metadata.ImageSize);
        Assert.Equal(config.Model.SuperResolution, loaded.Metadata.Config.Model.SuperResolution);
        Assert.True(model.Accepts.HasLowResolution);

        // The same weights as a network built from the config and given the checkpoint's state: equal outputs.
        using var rebuilt = ModelFactory.Create(loaded.Metadata.Config, 3, 8, CPU);
        CheckpointFile.Load(run.CheckpointPath(2), new CheckpointFile.State(rebuilt, ModelFactory.CreateEma(rebuilt, loaded.Metadata.Config, CPU), null, null));
        rebuilt.eval();
        using var x = randn(2, 3, 8, 8);
        using var t = tensor(new long[] { 5, 50 });
        using var low = randn(2, 3, 4, 4);
        var condition = new Conditioning { LowResolution = low, AugmentationLevel = tensor(new[] { 0.1f, 0.4f }) };
        using var _ = no_grad();
        Assert.True(model.forward(x, t, condition).equal(rebuilt.forward(x, t, condition)).all().item<bool>());
    }

    [Fact]
    public void Upscaler_TrainedOnOnePair_ReproducesTheHighResolutionImageFromItsLowResolutionOne()
    {
        using var data = OneImage(16);
        var run = new RunDirectory(Path.Combine(_dir, "overfit"));
        var config = Upscaler(300, size: 16, augmentationMax: 0) with { Training = Upscaler(300).Training with { BatchSize = 8, EmaStart = 100_000, CheckpointEvery = 300 } };
        new Trainer(config, data, run, CPU).Run(resume: false);

        using var model = LoadedModel.Load(run.CheckpointPath(300), CPU, useEma: false).Model;
        var augmentation = model.Accepts.LowResolution!;
        using var high = data.Images.to(ScalarType.Float32).div(127.5).sub(1);
        using var low = augmentation.Downscale(high);
        var diffusion = Formulations.For(config.Diffusion);
        var request = new GenerationRequest(1, new SamplerChoice("ddim"), NoiseLevels.Create(TimestepSpacing.Leading, 20, diffusion), Seed: 1,
            Conditions: new LowResolutionSource(low, 0, 1));
        using var upscaled = ImageGenerator.Generate(model, diffusion, request, CPU);
        using var bicubic = nn.functional.interpolate(low, [16, 16], mode: InterpolationMode.Bicubic, align_corners: false).clamp(-1, 1);
        double srError = upscaled.sub(high).square().mean().item<float>();
        double bicubicError = bicubic.sub(high).square().mean().item<float>();
        // The checkerboard's 2×2 cells are exactly what a 2× downscale averages away; only a model that learned the pair brings them back.
        Assert.True(srError < 0.1 * bicubicError, $"MSE of the upscaler {srError:F4} vs bicubic {bicubicError:F4}");
    }
}
