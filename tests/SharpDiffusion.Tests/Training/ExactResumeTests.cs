using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Runtime;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Training;

/// <summary>
/// Issue 15 item 3: "2 steps, stop, resume, 2 more" equals "4 steps" bit for bit on what users train — configs/demo.json
/// itself (h-flip, class labels with label dropout, lr warm-up, EMA), with only step counts, batch (8), set size (64) and
/// the end-of-run sample grid shrunk, warm-up and the EMA start moved after the split, and dropout switched on; in both
/// U-Net layouts.
/// </summary>
[Collection(TrainingTestGroup.Name)]
public sealed class ExactResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-exact-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string DemoConfig(string file, [System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "configs", file));

    private static string[] DemoSets(int steps, string layout) =>
    [
        $"training.steps={steps}", "training.warmup_steps=3", "training.ema_start=3", "training.checkpoint_every=2", "training.sample_every=0",
        "training.log_every=1", "training.batch_size=8", "training.sample_count=1", "training.sample_steps=1", "training.device=cpu", "model.dropout=0.1", $"model.layout={layout}", "data.synthetic_count=64",
    ];

    private static RunConfig Demo(string layout, int steps, string file = "demo.json") => ConfigLoader.Load(DemoConfig(file), DemoSets(steps, layout));

    [Theory]
    [InlineData("ddpm", "demo.json")]
    [InlineData("reference", "demo.json")]
    [InlineData("ddpm", "demo-edm.json")] // the EDM formulation: its ln σ draws, then n, come from the checkpointed generator
    public void Resume_DemoConfigTwoStepsThenTwo_EqualsFourStepsBitwise(string layout, string file)
    {
        var config = Demo(layout, 4, file);
        // What this test is about: every one of these is on, and warm-up and the EMA start straddle the resume at step 2.
        Assert.True(config.Data.Hflip && config.Model.ClassConditional && config.Model.ClassDropout > 0 && config.Model.Dropout > 0);
        Assert.Equal((3, 3, 1), (config.Training.WarmupSteps, config.Training.EmaStart, config.Training.EmaEvery));
        using var data = DatasetLoader.Load(config.Data, cacheDir: null, out _, config.Seed);

        var straight = new RunDirectory(Path.Combine(_dir, "straight"));
        new Trainer(config, data, straight, CPU).Run(resume: false);
        var split = new RunDirectory(Path.Combine(_dir, "split"));
        var first = new Trainer(Demo(layout, 2, file), data, split, CPU).Run(resume: false);
        var second = new Trainer(config, data, split, CPU).Run(resume: true);

        Assert.Equal((2, 2, 4), (first.FinalStep, second.StartStep, second.FinalStep));
        // Model, EMA, Adam moments, the trainer's generator and libtorch's global generator (dropout): every byte after the header.
        Assert.Equal(CheckpointStateBytes.Of(straight.CheckpointPath(4)), CheckpointStateBytes.Of(split.CheckpointPath(4)));
        Assert.Equal(new TrainingLog(straight.LogPath).Read().Select(r => (r.Step, r.Loss, r.Lr)), new TrainingLog(split.LogPath).Read().Select(r => (r.Step, r.Loss, r.Lr)));
    }

    /// <summary>
    /// The same with EDM's non-leaking augmentation on (issue 23): its draws come from the trainer's generator between the
    /// batch draws and dropout, so the resumed run augments the same images the same way.
    /// </summary>
    [Fact]
    public void Resume_WithAugmentation_TwoStepsThenTwo_EqualsFourStepsBitwise()
    {
        const string augment = """data.augment={"p": 0.5}""";
        RunConfig Augmented(int steps) => ConfigLoader.Load(DemoConfig("demo.json"), [.. DemoSets(steps, "ddpm"), augment]);
        var config = Augmented(4);
        Assert.Equal(0.5, config.Data.Augment!.P);
        using var data = DatasetLoader.Load(config.Data, cacheDir: null, out _, config.Seed);

        var straight = new RunDirectory(Path.Combine(_dir, "straight"));
        new Trainer(config, data, straight, CPU).Run(resume: false);
        var split = new RunDirectory(Path.Combine(_dir, "split"));
        new Trainer(Augmented(2), data, split, CPU).Run(resume: false);
        new Trainer(config, data, split, CPU).Run(resume: true);

        Assert.Equal(CheckpointStateBytes.Of(straight.CheckpointPath(4)), CheckpointStateBytes.Of(split.CheckpointPath(4)));
        // And the augmentation is in the step: the same run without it trains to other weights.
        var plain = new RunDirectory(Path.Combine(_dir, "plain"));
        new Trainer(Demo("ddpm", 4), data, plain, CPU).Run(resume: false);
        Assert.NotEqual(CheckpointStateBytes.Of(straight.CheckpointPath(4)), CheckpointStateBytes.Of(plain.CheckpointPath(4)));
    }

    [CudaFact]
    public void CheckpointedCudaGenerator_ContinuesTheSameStreamAfterLoad()
    {
        var device = NativeRuntime.Initialize(DeviceKind.Cuda);
        using var model = nn.Linear(2, 2);
        using var ema = nn.Linear(2, 2);
        using var original = new Generator(7, device);
        using var warmUp = randn([100], generator: original, device: device);
        string path = Path.Combine(_dir, "cuda.ckpt");
        CheckpointFile.Save(path, new CheckpointMetadata { Step = 1, Config = new RunConfig(), Channels = 3, ImageSize = 8 }, new CheckpointFile.State(model, ema, null, original));
        using var expected = randn([1000], generator: original, device: device);

        using var restored = new Generator(99, device);
        CheckpointFile.Load(path, new CheckpointFile.State(model, ema, null, restored));
        using var actual = randn([1000], generator: restored, device: device);
        Assert.True(expected.equal(actual).all().item<bool>());
    }

    [CudaFact]
    public void CudaDropoutSeed_SameStep_SameMaskWhateverCameBefore()
    {
        var device = NativeRuntime.Initialize(DeviceKind.Cuda);
        using var input = ones([4096], device: device);
        CudaDropoutSeed.BeforeStep(device, runSeed: 5, step: 3);
        using var mask = nn.functional.dropout(input, 0.5, training: true);
        using var unrelated = rand([12345], device: device); // draws a resumed run never made
        CudaDropoutSeed.BeforeStep(device, runSeed: 5, step: 3);
        using var again = nn.functional.dropout(input, 0.5, training: true);
        Assert.True(mask.equal(again).all().item<bool>());
        CudaDropoutSeed.BeforeStep(device, runSeed: 5, step: 4);
        using var next = nn.functional.dropout(input, 0.5, training: true);
        Assert.False(mask.equal(next).all().item<bool>());
    }

    [Fact]
    public void CudaDropoutSeed_OnTheCpu_LeavesTheGlobalGeneratorAlone()
    {
        random.manual_seed(3);
        using var expected = rand([16]);
        random.manual_seed(3);
        CudaDropoutSeed.BeforeStep(CPU, runSeed: 5, step: 1);
        using var actual = rand([16]);
        Assert.True(expected.equal(actual).all().item<bool>());
        Assert.NotEqual(CudaDropoutSeed.For(5, 1), CudaDropoutSeed.For(5, 2));
    }
}
