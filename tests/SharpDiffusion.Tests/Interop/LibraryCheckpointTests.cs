using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Interop.DenoisingDiffusionPytorch;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using Xunit.Abstractions;
using SharpDiffusion.Tests.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

/// <summary>
/// Checkpoints written by denoising-diffusion-pytorch 2.2.5's own Trainer at its defaults (pred_v, sigmoid, T = 1000;
/// Fixtures/ddp-2.2.5): imported, the networks give the library's recorded outputs and the run's default sampler, from the
/// library's stored x_T, gives the library's DDIM-10 images. Tolerances: the fixture README's measured float32 spread.
/// </summary>
public sealed class LibraryCheckpointTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _out = InteropFixtures.TempFolder();

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    private TrainerCheckpointImport.Result Import(string checkpoint, int? samplingTimesteps = 10) =>
        TrainerCheckpointImport.Import(checkpoint, _out, new TrainerCheckpointImport.Options(ImageSize: 16, SamplingTimesteps: samplingTimesteps));

    [Fact]
    public void Import_LibraryDefaultsCheckpoint_InfersItsSettings()
    {
        var result = Import(LibraryFixture.Model2, samplingTimesteps: null);
        var config = result.Config;
        Assert.Equal((300, "2.2.5"), (result.Step, result.Version));
        Assert.Equal((8, 3, 16), (config.Model.Dim, config.Data.Channels, config.Data.ImageSize));
        Assert.Equal([1, 2], config.Model.DimMults);
        Assert.Equal((1000, BetaSchedule.Table, Objective.V), (config.Diffusion.Timesteps, config.Diffusion.Schedule, config.Diffusion.Objective));
        Assert.Contains("sigmoid_beta_schedule(1000)", result.Inferred[1], StringComparison.Ordinal);
        Assert.Equal((8e-5, 0.9, 0.99), (config.Training.Lr, config.Training.AdamBeta1, config.Training.AdamBeta2));
        // sampling_timesteps left at the library's default (T): p_sample_loop, i.e. ancestral over all T steps.
        Assert.Equal(new SamplingPlan("ddpm", 1000, TimestepSpacing.Leading), RunSampling.Resolve(config.Sampling, null, null, "auto", Formulations.For(config.Diffusion)));
    }

    [Theory]
    [InlineData(false, "raw_out")]
    [InlineData(true, "ema_out")]
    public void Import_LibraryCheckpoint_NetworksGiveTheLibrarysOutputs(bool ema, string key)
    {
        Import(LibraryFixture.Model2);
        var probe = LibraryFixture.Npz("probe.npz");
        using var model = LoadedModel.Load(new RunDirectory(_out).LatestCheckpoint()!, CPU, useEma: ema).Model;
        using var noGrad = no_grad();
        var ours = model.forward(probe["x"], probe["t"], Conditioning.None);
        double difference = InteropFixtures.MaxAbsDifference(ours, probe[key]);
        output.WriteLine($"{key}: max |ours − library| = {difference:G3}");
        Assert.True(difference < 1e-5, $"{key}: {difference}"); // README: another float32 implementation agrees to about 1e-5
    }

    [Theory]
    [InlineData("model-2.pt", "probe.npz")]
    [InlineData("model-1.pt", "probe-model-1.npz")]
    public void Sample_ImportedRunWithItsDefaults_GivesTheLibrarysDdimImagesFromTheSameNoise(string checkpoint, string probeFile)
    {
        var result = Import(Path.Combine(LibraryFixture.Results, checkpoint));
        var probe = LibraryFixture.Npz("probe.npz");
        var expected = LibraryFixture.Npz(probeFile)["ddim"];
        var loaded = LoadedModel.Load(result.Checkpoint, CPU);
        using var model = loaded.Model;
        var config = loaded.Metadata.Config;
        var diffusion = new DdpmFormulation(new GaussianDiffusion(config.Diffusion));
        // What `ddpm sample --run` does without --sampler, --steps and --spacing.
        var plan = RunSampling.Resolve(config.Sampling, null, null, "auto", Formulations.For(config.Diffusion));
        Assert.Equal(new SamplingPlan("ddim", 10, TimestepSpacing.Ddp), plan);
        var timesteps = Timesteps.Create(plan.Spacing, plan.Steps, diffusion.Table.Schedule);
        Assert.Equal(probe["ddim_eval_times"].data<long>().Select(t => (int)t), timesteps);
        using var noGrad = no_grad();
        var samples = new SamplerChoice(plan.Sampler).Create(model.ClipDenoised).Sample(
            Denoisers.FromModel((x, t) => model.forward(x, t, Conditioning.None), diffusion), probe["x_T"], TestLevels.Of(diffusion.Table.Schedule, timesteps), new SampleNoise(0, 0, 4, CPU));
        double difference = InteropFixtures.MaxAbsDifference((samples + 1) / 2, expected);
        output.WriteLine($"{checkpoint}: DDIM-10 (ddp spacing, η 0, clipped x̂₀) from the library's x_T: max |ours − library| = {difference:G3} (images in [0, 1])");
        Assert.True(difference < 1e-4, $"{difference}"); // README: a float32 re-implementation on the float32 ᾱ buffer agrees to about 1e-4
    }
    [Fact]
    public void Generate_ImportedRunWithoutSamplerOptions_SamplesAsTheRunsSamplingSection()
    {
        var result = Import(Path.Combine(LibraryFixture.Results, "model-2.pt"));
        using var run = SharpDiffusion.Api.DiffusionRun.Load(result.Checkpoint, SharpDiffusion.Runtime.DeviceKind.Cpu);
        using var byDefault = run.Generate(2, seed: 4);
        using var library = run.Generate(2, "ddim", 10, seed: 4, spacing: "ddp");
        using var leading = run.Generate(2, "ddim", 10, seed: 4, spacing: "leading");
        Assert.True(byDefault.equal(library).all().item<bool>(), "the library API's defaults must be the run's sampling section (ddim 10, ddp)");
        Assert.False(byDefault.equal(leading).all().item<bool>(), "leading spacing visits other timesteps, so the images must differ");
    }
}
