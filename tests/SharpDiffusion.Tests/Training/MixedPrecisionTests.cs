using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Training;

/// <summary>
/// training.precision bf16: forward/backward on a bf16 copy, fp32 master weights and Adam. bf16 keeps 8 significant bits
/// (relative rounding 2⁻⁹ ≈ 0.2% per operation), so losses agree with fp32 to a few percent, not to float precision.
/// </summary>
[Collection(TrainingTestGroup.Name)]
public sealed class MixedPrecisionTests
{
    private static RunConfig Tiny(Precision precision) => new()
    {
        Seed = 5,
        Data = new DataConfig { ImageSize = 8 },
        Model = new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [4], Heads = 2, HeadDim = 4, Groups = 4 },
        Diffusion = new DiffusionConfig { Timesteps = 100, Schedule = BetaSchedule.Cosine },
        Training = new TrainingConfig { BatchSize = 8, Lr = 3e-3, EmaEvery = 1, EmaStart = 0, Precision = precision, Device = "cpu" },
    };

    /// <summary>Trains <paramref name="steps"/> steps on one fixed batch (four patterns); returns each step's loss.</summary>
    private static double[] Losses(Precision precision, int steps, Action<UNet, IParameterUpdate<UNet>>? inspect = null)
    {
        var config = Tiny(precision);
        using var model = ModelFactory.Create(config, 3, 8, CPU);
        using var ema = ModelFactory.CreateEma(model, config, CPU);
        using var update = ParameterUpdates.Create(config, model, ema, emaStart: 0);
        var step = new TrainingStep(config, update, Formulations.For(config.Diffusion));
        using var generator = new Generator(2);
        using var ramp = arange(8, dtype: ScalarType.Float32).div(3.5).sub(1).view(1, 1, 8, 1);
        using var images = (ramp * tensor(new[] { 1f, -1f, 0.5f, -0.5f, 1f, -1f, 0.5f, -0.5f }).view(8, 1, 1, 1)).expand(8, 3, 8, 8).contiguous();
        using var labels = zeros(8, ScalarType.Int64);
        model.train();
        update.ForwardModel.train();
        var losses = new double[steps];
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var (loss, applied) = step.Run(i + 1, images, model.Accepts.FromData(images, labels, generator).Condition, generator);
            Assert.True(applied.item<bool>());
            losses[i] = loss.item<float>();
        }
        inspect?.Invoke(model, update);
        return losses;
    }

    [Fact]
    public void Bf16_FirstSteps_LossCloseToFp32AndMasterWeightsStayFp32()
    {
        var fp32 = Losses(Precision.Fp32, 3);
        var bf16 = Losses(Precision.Bf16, 3, (model, update) =>
        {
            Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));
            Assert.All(update.ForwardModel.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
            Assert.Equal(ScalarType.BFloat16, update.ComputeType);
        });

        // Same weights and noise at step 1: only rounding differs. A handful of layers at 0.2% relative rounding each → ~1–2%.
        Assert.InRange(Math.Abs(bf16[0] - fp32[0]) / fp32[0], 0, 0.03);
        Assert.NotEqual(fp32[0], bf16[0]); // it really ran in bf16
        for (int i = 1; i < 3; i++) Assert.InRange(Math.Abs(bf16[i] - fp32[i]) / fp32[i], 0, 0.05);
    }

    [Fact]
    public void Bf16_TwoHundredSteps_LossCurveTracksFp32()
    {
        const int steps = 200;
        var fp32 = Losses(Precision.Fp32, steps);
        var bf16 = Losses(Precision.Bf16, steps);

        // Per-step losses are noisy (random t and ε each step), so compare 40-step windows: the curve falls the same way.
        for (int start = 0; start < steps; start += 40)
        {
            double a = fp32.Skip(start).Take(40).Average(), b = bf16.Skip(start).Take(40).Average();
            Assert.True(Math.Abs(a - b) <= 0.1 * a + 0.005, $"steps {start + 1}–{start + 40}: fp32 {a:F4}, bf16 {b:F4}");
        }
        Assert.True(fp32.TakeLast(40).Average() < fp32.Take(40).Average() / 2, "the run must learn for the comparison to mean anything");
    }
}
