using SharpDiffusion.Models;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Interop;
using SharpDiffusion.Interop.DenoisingDiffusionPytorch;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using SharpDiffusion.Tests.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

/// <summary>
/// Import of a denoising-diffusion-pytorch Trainer checkpoint made in PyTorch from the tiny reference twin
/// (Fixtures/ddp-trainer, tools/interop_fixture.py): dim 8, dim_mults (1, 1), 2 heads × 4, full attention at the inner
/// level, 1 channel, 8 px, sigmoid schedule T = 100, pred_v, step 1234, lr 8e-5. The expected outputs are the twin's.
/// </summary>
public sealed class TrainerCheckpointImportTests : IDisposable
{
    private readonly string _out = InteropFixtures.TempFolder();

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    private TrainerCheckpointImport.Result Import() =>
        TrainerCheckpointImport.Import(InteropFixtures.TrainerCheckpoint, _out, new TrainerCheckpointImport.Options(ImageSize: 8));

    [Fact]
    public void Import_TrainerFixture_InfersTheArchitectureScheduleAndObjectiveTheCheckpointWasMadeWith()
    {
        var result = Import();
        var config = result.Config;
        Assert.Equal(1234, result.Step);
        Assert.Equal("2.2.5", result.Version);
        Assert.Equal(UNetLayout.Reference, config.Model.Layout);
        Assert.Equal(8, config.Model.Dim);
        Assert.Equal([1, 1], config.Model.DimMults);
        Assert.Equal(2, config.Model.ResBlocks);
        Assert.Equal((2, 4), (config.Model.Heads, config.Model.HeadDim));
        Assert.Equal([4], config.Model.AttentionResolutions); // full attention at level 1 of an 8-px image
        Assert.Equal((1, 8), (config.Data.Channels, config.Data.ImageSize));
        Assert.Equal((100, BetaSchedule.Table, Objective.V), (config.Diffusion.Timesteps, config.Diffusion.Schedule, config.Diffusion.Objective));
        Assert.Contains(result.Inferred, line => line.Contains("sigmoid_beta_schedule(100)", StringComparison.Ordinal));
        // pred_v without min-SNR: loss_weight = SNR/(SNR + 1), which our Min-SNR weights give with γ = the largest SNR.
        var schedule = NoiseSchedule.Create(config.Diffusion);
        Assert.Equal(schedule.AlphasCumprod[0] / (1 - schedule.AlphasCumprod[0]), config.Diffusion.MinSnrGamma, 1e-4 * config.Diffusion.MinSnrGamma);
        Assert.Equal(8e-5, config.Training.Lr, 12);
        Assert.True(File.Exists(Path.Combine(_out, "config.json")));
        Assert.Equal(result.Checkpoint, new RunDirectory(_out).LatestCheckpoint());
    }

    [Fact]
    public void Import_TrainerFixture_EmaWeightsGiveThePyTorchOutputs()
    {
        Import();
        var loaded = LoadedModel.Load(new RunDirectory(_out).LatestCheckpoint()!, CPU, useEma: true);
        using var model = loaded.Model;
        var (x, t) = InteropFixtures.ProbeInput(3, 1, 8, 100);
        using var noGrad = no_grad();
        var ours = model.forward(x, t, Conditioning.None);
        Assert.True(InteropFixtures.MaxAbsDifference(ours, InteropFixtures.Npy("ddp-trainer", "ema_output_probe.npy")) < 1e-5);

        // The trained (non-EMA) weights were imported too, and they are not the EMA ones (the fixture perturbs the EMA copy).
        using var raw = LoadedModel.Load(new RunDirectory(_out).LatestCheckpoint()!, CPU, useEma: false).Model;
        Assert.True(InteropFixtures.MaxAbsDifference(raw.forward(x, t, Conditioning.None), ours) > 1e-2);
    }

    [Fact]
    public void Import_TrainerFixture_DdimSamplesEqualThoseOfTheOriginalWeightsInPyTorch()
    {
        Import();
        var loaded = LoadedModel.Load(new RunDirectory(_out).LatestCheckpoint()!, CPU);
        using var model = loaded.Model;
        var diffusion = new DdpmFormulation(new GaussianDiffusion(loaded.Metadata.Config.Diffusion));
        var timesteps = Timesteps.Create(TimestepSpacing.Leading, 5, 100);
        Assert.Equal([80, 60, 40, 20, 0], timesteps); // the fixture's list(range(0, 100, 20))[::-1]
        var xT = InteropFixtures.Npy("ddp-trainer", "x_T.npy");
        using var noGrad = no_grad();
        var samples = new DdimSampler(eta: 0, clipDenoised: true).Sample(
            Denoisers.FromModel((x, t) => model.forward(x, t, Conditioning.None), diffusion), xT, TestLevels.Of(diffusion.Table.Schedule, timesteps), new SampleNoise(0, 0, 2, CPU));
        // Five network evaluations in float32 on both sides: agreement to 1e-4 of pixel values in [−1, 1].
        Assert.True(InteropFixtures.MaxAbsDifference(samples, InteropFixtures.Npy("ddp-trainer", "ddim5_samples.npy")) < 1e-4);
    }

    [Fact]
    public void Import_IntoAnExistingRun_RefusesAndChangesNothing()
    {
        Import();
        var before = Directory.GetFiles(_out, "*", SearchOption.AllDirectories).ToDictionary(f => f, File.ReadAllBytes);
        var error = Assert.Throws<InteropException>(Import);
        Assert.Contains("already holds a run", error.Message, StringComparison.Ordinal);
        var after = Directory.GetFiles(_out, "*", SearchOption.AllDirectories);
        Assert.Equal(before.Keys.Order(), after.Order());
        Assert.All(after, f => Assert.Equal(before[f], File.ReadAllBytes(f)));
    }
}
