using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>Per-image labels: image i depends only on (seed, i, label i), whatever the batching and the other labels.</summary>
public class ImageGeneratorLabelTests
{
    private static UNet ConditionalModel()
    {
        random.manual_seed(11);
        var config = new ModelConfig
        {
            Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Groups = 4, ClassConditional = true, NumClasses = 3,
        };
        var model = new UNet(config, 3, 8);
        model.eval();
        return model;
    }

    private static GenerationRequest Request(long[]? labels, int batch) =>
        new(labels?.Length ?? 4, new SamplerChoice("ddim"), TestLevels.Of(TimestepSpacing.Leading, 5, NoiseSchedule.Create(new DiffusionConfig { Timesteps = 100 })), Seed: 9, BatchSize: batch,
            Conditions: labels is null ? null : new ClassLabelSource(labels), Guidance: 2);

    [Fact]
    public void MixedLabels_EqualEachImageGeneratedWithItsOwnClass()
    {
        using var model = ConditionalModel();
        var diffusion = new DdpmFormulation(new GaussianDiffusion(new DiffusionConfig { Timesteps = 100 }));

        using var mixed = ImageGenerator.Generate(model, diffusion, Request([0, 2, 2, 1], batch: 3), CPU);
        using var allZero = ImageGenerator.Generate(model, diffusion, Request([0, 0, 0, 0], batch: 4), CPU);
        using var allTwo = ImageGenerator.Generate(model, diffusion, Request([2, 2, 2, 2], batch: 4), CPU);
        using var allOne = ImageGenerator.Generate(model, diffusion, Request([1, 1, 1, 1], batch: 4), CPU);

        Assert.True(mixed[0].allclose(allZero[0], rtol: 0, atol: 1e-5));
        Assert.True(mixed[1].allclose(allTwo[1], rtol: 0, atol: 1e-5));
        Assert.True(mixed[2].allclose(allTwo[2], rtol: 0, atol: 1e-5));
        Assert.True(mixed[3].allclose(allOne[3], rtol: 0, atol: 1e-5));
        Assert.False(allZero[1].allclose(allTwo[1], rtol: 0, atol: 1e-3)); // the label does reach the images
    }

    [Fact]
    public void GuidanceZero_SkipsTheUnconditionalBranchAndEqualsTheGuidedFormula()
    {
        // ε̃ = (1 + 0)·ε(x, c) − 0·ε(x, ∅) = ε(x, c): the shortcut must give what the guided denoiser gives at w = 0.
        using var model = ConditionalModel();
        var diffusion = new DdpmFormulation(new GaussianDiffusion(new DiffusionConfig { Timesteps = 100 }));
        long[] labels = [0, 2, 1];
        var request = Request(labels, batch: 3) with { Guidance = 0 };
        using var fast = ImageGenerator.Generate(model, diffusion, request, CPU);

        using var scope = NewDisposeScope();
        var noise = new SampleNoise(request.Seed, 0, 3, CPU);
        var xT = noise.Next([3, 8, 8]);
        var guided = Denoisers.Guided(model.forward, diffusion, Conditioning.Classes(tensor(labels)), w: 0);
        var reference = request.Sampler.Create(model.ClipDenoised).Sample(guided, xT, request.Levels, noise).clamp(-1, 1);

        Assert.True(fast.allclose(reference, rtol: 0, atol: 1e-5), $"max difference {(fast - reference).abs().max().item<float>()}");
    }

    [Fact]
    public void LabelCountOtherThanImageCount_IsRejected()
    {
        using var model = ConditionalModel();
        var diffusion = new DdpmFormulation(new GaussianDiffusion(new DiffusionConfig { Timesteps = 100 }));
        var request = Request([0, 1], batch: 2) with { Count = 3 };
        var error = Assert.Throws<ArgumentException>(() => ImageGenerator.Generate(model, diffusion, request, CPU));
        Assert.Contains("3 conditions", error.Message, StringComparison.Ordinal);
    }
}
