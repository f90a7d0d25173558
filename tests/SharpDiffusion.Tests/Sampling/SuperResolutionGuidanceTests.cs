using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

public sealed class SuperResolutionGuidanceTests
{
    private static UNet Upscaler()
    {
        random.manual_seed(2);
        var config = new ModelConfig
        {
            Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Heads = 1, HeadDim = 8, Groups = 4,
            SuperResolution = new SuperResolutionConfig { InputSize = 4 },
        };
        var model = new UNet(config, 3, 8);
        model.eval();
        return model;
    }

    private static readonly DdpmFormulation Diffusion = new(new GaussianDiffusion(new DiffusionConfig { Timesteps = 100, Schedule = BetaSchedule.Cosine, Objective = Objective.V }));

    [Fact]
    public void Guided_WZero_EqualsTheConditionalBranch()
    {
        using var model = Upscaler();
        using var _ = no_grad();
        using var x = randn(3, 3, 8, 8);
        var t = Diffusion.Table[40]; // one level per call, as a sampler visits them
        var condition = NoiseConditioningAugmentation.ForSampling(randn(3, 3, 4, 4), 0.2, randn(3, 3, 4, 4));
        using var guided = Denoisers.Guided(model.forward, Diffusion, condition, 0)(x, t).Value;
        using var conditional = Denoisers.FromModel((xt, ts) => model.forward(xt, ts, condition), Diffusion)(x, t).Value;
        Assert.True(guided.allclose(conditional, 1e-5, 1e-5));
    }

    [Fact]
    public void Guided_WOne_IsTwiceConditionalMinusTheImageFreeBranch()
    {
        using var model = Upscaler();
        using var _ = no_grad();
        using var x = randn(2, 3, 8, 8);
        var t = Diffusion.Table[70];
        var condition = NoiseConditioningAugmentation.ForSampling(randn(2, 3, 4, 4), 0.3, randn(2, 3, 4, 4));
        // The unconditional form drops the low-resolution image: any other image gives the same unconditional branch.
        var other = NoiseConditioningAugmentation.ForSampling(randn(2, 3, 4, 4), 0.7, randn(2, 3, 4, 4));
        using var guided = Denoisers.Guided(model.forward, Diffusion, condition, 1)(x, t).Value;
        using var conditional = Denoisers.FromModel((xt, ts) => model.forward(xt, ts, condition), Diffusion)(x, t).Value;
        using var unconditional = Denoisers.FromModel((xt, ts) => model.forward(xt, ts, other.AsUnconditional()), Diffusion)(x, t).Value;
        Assert.True(guided.allclose(conditional * 2 - unconditional, 1e-4, 1e-4));
        Assert.False(conditional.allclose(unconditional, 1e-3, 1e-3)); // the image matters where it is kept
    }
}
