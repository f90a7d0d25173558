using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using SharpDiffusion.Training;
using SharpDiffusion.Training.Fused;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Training;

/// <summary>The flat-buffer optimizer, clipping and EMA against TorchSharp's own per-parameter implementations.</summary>
[Collection(TrainingTestGroup.Name)]
public sealed class FusedOptimizerTests
{
    private static readonly ModelConfig TinyModel = new() { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [4], Heads = 2, HeadDim = 4, Groups = 4 };

    private static UNet Model(int seed)
    {
        random.manual_seed(seed);
        return new UNet(TinyModel, 3, 8);
    }

    private static double MaxDifference(nn.Module a, nn.Module b) =>
        a.parameters().Zip(b.parameters()).Max(p => p.First.sub(p.Second).abs().max().item<float>());

    /// <summary>Real U-Net gradients of the diffusion loss: computed on the reference model, copied to the fused one.</summary>
    private static void SameGradients(UNet reference, UNet fused, GaussianDiffusion diffusion, Generator generator)
    {
        using var scope = NewDisposeScope();
        var images = rand([4, 3, 8, 8], generator: generator) * 2 - 1;
        foreach (var p in reference.parameters()) p.grad?.zero_();
        diffusion.TrainingLoss((x, t) => reference.forward(x, t, Conditioning.None), images, generator).backward();
        using var _ = no_grad();
        foreach (var (r, f) in reference.parameters().Zip(fused.parameters())) f.grad!.copy_(r.grad!);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedAdam_FiftyStepsWithChangingLr_MatchesTorchSharpAdamTo1e6(bool decoupled)
    {
        const double wd = 0.05, beta1 = 0.9, beta2 = 0.99;
        using var reference = Model(5);
        using var fused = Model(5);
        using var flat = new FlatParameters(fused, withGradients: true);
        var torchAdam = decoupled ? (optim.Optimizer)optim.AdamW(reference.parameters(), 1e-3, beta1, beta2, 1e-8, wd) : optim.Adam(reference.parameters(), 1e-3, beta1, beta2, 1e-8, wd);
        using var fusedAdam = new FusedAdam(flat, 1e-3, beta1, beta2, 1e-8, wd, decoupled);
        var diffusion = new GaussianDiffusion(new DiffusionConfig { Timesteps = 100, Schedule = BetaSchedule.Cosine });
        using var generator = new Generator(9);
        using var applied = tensor(true);

        for (int step = 1; step <= 50; step++)
        {
            double lr = LearningRateSchedule.At(step, 3e-3, warmupSteps: 20); // changes every step for the first 20
            foreach (var g in torchAdam.ParamGroups) g.LearningRate = lr;
            foreach (var g in fusedAdam.ParamGroups) g.LearningRate = lr;
            SameGradients(reference, fused, diffusion, generator);
            torchAdam.step();
            fusedAdam.Step(applied);
        }

        double moved = reference.parameters().Zip(Model(5).parameters()).Max(p => p.First.sub(p.Second).abs().max().item<float>());
        Assert.True(moved > 1e-2, $"the weights barely moved ({moved}), so the comparison would prove little");
        double difference = MaxDifference(reference, fused);
        Assert.True(difference <= 1e-6, $"max |θ_torch − θ_fused| = {difference}");
        torchAdam.Dispose();
    }

    [Fact]
    public void FusedAdam_SavedState_LoadsIntoTorchSharpAdamAndContinuesIdentically()
    {
        // The checkpoint section of fused-adam is TorchSharp's Adam format: 10 fused steps, then 10 more with either optimizer.
        using var a = Model(6);
        using var flat = new FlatParameters(a, withGradients: true);
        using var fusedAdam = new FusedAdam(flat, 1e-3, 0.9, 0.99, 1e-8, 0, decoupled: false);
        var diffusion = new GaussianDiffusion(new DiffusionConfig { Timesteps = 100, Schedule = BetaSchedule.Cosine });
        using var generator = new Generator(4);
        using var applied = tensor(true);
        using var twin = Model(6);
        for (int step = 1; step <= 10; step++)
        {
            SameGradients(twin, a, diffusion, generator);
            fusedAdam.Step(applied);
        }
        fusedAdam.PrepareSave();
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
            ((TorchSharp.Modules.OptimizerHelper)fusedAdam.Checkpointed).save_state_dict(writer);

        using var b = Model(7);
        ExponentialMovingAverage.CopyWeights(a, b);
        var torchAdam = optim.Adam(b.parameters(), 1e-3, 0.9, 0.99, 1e-8, 0);
        stream.Position = 0;
        using (var reader = new BinaryReader(stream)) ((TorchSharp.Modules.OptimizerHelper)torchAdam).load_state_dict(reader);
        for (int step = 11; step <= 20; step++)
        {
            SameGradients(b, a, diffusion, generator);
            fusedAdam.Step(applied);
            torchAdam.step();
        }
        double difference = MaxDifference(a, b);
        Assert.True(difference <= 1e-6, $"max |θ_torch − θ_fused| = {difference}");
        torchAdam.Dispose();
    }

    [Fact]
    public void FlatParameters_ParametersAndGradients_AreViewsOfTheBuffers()
    {
        using var model = Model(1);
        var before = model.parameters().Select(p => p.clone()).ToArray();
        using var flat = new FlatParameters(model, withGradients: true);
        var group = Assert.Single(flat.Groups);
        Assert.Equal(ParameterCount.Of(model), group.Values.numel());
        Assert.All(model.parameters().Zip(before), p => Assert.True(p.First.equal(p.Second).all().item<bool>())); // values kept

        using (no_grad()) group.Values.add_(1);
        Assert.All(model.parameters().Zip(before), p => Assert.True(p.First.equal(p.Second + 1).all().item<bool>()));

        using var scope = NewDisposeScope();
        model.forward(randn(2, 3, 8, 8), tensor(new long[] { 1, 2 }), Conditioning.None).square().sum().backward();
        var fromParameters = cat(model.parameters().Select(p => p.grad!.flatten()).ToArray());
        Assert.True(group.Gradients!.abs().sum().item<float>() > 0);
        Assert.True(fromParameters.equal(group.Gradients).all().item<bool>());
    }

    [Fact]
    public void DeviceGradientClip_MatchesClipGradNorm()
    {
        using var reference = Model(2);
        using var fused = Model(2);
        using var flat = new FlatParameters(fused, withGradients: true);
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 8, 8);
        var t = tensor(new long[] { 3, 50 });
        reference.forward(x, t, Conditioning.None).square().sum().mul(100).backward();
        fused.forward(x, t, Conditioning.None).square().sum().mul(100).backward();

        double norm = nn.utils.clip_grad_norm_(reference.parameters(), 1.0);
        var finite = DeviceGradientClip.Clip([flat.Groups[0].Gradients!], 1.0);

        Assert.True(norm > 10, $"the test needs a norm above the threshold ({norm})");
        Assert.True(finite.item<bool>());
        double clippedNorm = linalg.vector_norm(flat.Groups[0].Gradients!).item<float>();
        Assert.Equal(1.0, clippedNorm, 5);
        double difference = reference.parameters().Zip(fused.parameters()).Max(p => p.First.grad!.sub(p.Second.grad!).abs().max().item<float>());
        Assert.True(difference <= 1e-6, $"max gradient difference {difference}");
    }

    [Fact]
    public void DeviceGradientClip_NonFiniteGradient_ZeroesAllAndReportsFalse()
    {
        using var gradients = tensor(new[] { 1f, float.PositiveInfinity, -2f, float.NaN });
        using var finite = DeviceGradientClip.Clip([gradients], 1.0);
        Assert.False(finite.item<bool>());
        Assert.Equal(new[] { 0f, 0f, 0f, 0f }, gradients.data<float>().ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedEma_ThirtyUpdates_MatchesExponentialMovingAverage(bool warmup)
    {
        var schedule = new EmaSchedule(0.9, Every: 2, Start: 5, Warmup: warmup, InvGamma: 1, Power: 0.75);
        using var source = Model(3);
        using var referenceAverage = Model(4);
        using var fusedAverage = Model(4);
        using var flat = new FlatParameters(source, withGradients: false);
        var reference = new ExponentialMovingAverage(source, referenceAverage, schedule);
        using var fused = new FusedExponentialMovingAverage(flat, fusedAverage, schedule);
        using var applied = tensor(true);
        using var generator = new Generator(3);
        for (int step = 1; step <= 30; step++)
        {
            using (no_grad()) flat.Groups[0].Values.add_(randn(flat.Groups[0].Values.shape, generator: generator).mul_(0.1));
            reference.Update(step);
            fused.Update(step, applied);
        }
        Assert.True(MaxDifference(referenceAverage, source) > 1e-2); // the average lags the weights: it is not a copy
        double difference = MaxDifference(referenceAverage, fusedAverage);
        Assert.True(difference <= 1e-6, $"max |ema_reference − ema_fused| = {difference}");
    }
}
