using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>Autoguidance (Karras et al. 2024, eq. 2) against its formula, and the pairs it accepts.</summary>
public class AutoGuidanceTests
{
    private static Denoiser Constant(float value, PredictionKind kind) => (x, level) => new Prediction(kind, full_like(x, value), x, level);

    [Theory]
    [InlineData(1.0, 3.0f)]
    [InlineData(2.0, 5.0f)]   // 1 + 2·(3 − 1)
    [InlineData(3.0, 7.0f)]
    public void Combine_IsGuidePlusWTimesTheDifference(double w, float expected)
    {
        using var scope = NewDisposeScope();
        var denoiser = AutoGuidance.Combine(Constant(3, PredictionKind.Data), Constant(1, PredictionKind.Data), w);
        var level = NoiseLevel.FromSigma(2);
        Assert.Equal(expected, denoiser(zeros(2, 1, 2, 2), level).Denoised(clip: false)[0, 0, 0, 0].item<float>());
    }

    [Fact]
    public void Combine_WeightBelowOne_IsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => AutoGuidance.Combine(Constant(1, PredictionKind.Data), Constant(1, PredictionKind.Data), 0.9));

    [Fact]
    public void Generate_GuidedByItself_EqualsTheUnguidedSampleBitwise()
    {
        // D + 2·(D − D) is evaluated as 2D − D, which floating point gives exactly (Sterbenz), so the images are bitwise equal.
        using var model = new UNet(new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Groups = 4 }, 3, 8);
        model.eval();
        var formulation = Formulations.For(new DiffusionConfig { Formulation = DiffusionFormulation.Edm });
        var request = new GenerationRequest(3, new SamplerChoice("heun"), NoiseLevels.Create(TimestepSpacing.Karras, 4, formulation), Seed: 5);
        using var plain = ImageGenerator.Generate(model, formulation, request, CPU);
        using var guided = ImageGenerator.Generate(model, formulation, request with { AutoGuide = new AutoGuidance(model, formulation, 2) }, CPU);
        Assert.True(plain.equal(guided).all().item<bool>(), $"max difference {(plain - guided).abs().max().item<float>()}");
    }

    [Fact]
    public void Mismatch_NamesShapeAndConditioning()
    {
        using var small = new UNet(new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Groups = 4 }, 3, 8);
        using var larger = new UNet(new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Groups = 4 }, 3, 16);
        using var classes = new UNet(new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Groups = 4, ClassConditional = true, NumClasses = 3 }, 3, 8);
        Assert.Null(AutoGuidance.Mismatch(small, small));
        Assert.Contains("[3, 16, 16] samples", AutoGuidance.Mismatch(small, larger), StringComparison.Ordinal);
        Assert.Contains("the guide takes 3 classes but the model no classes", AutoGuidance.Mismatch(small, classes), StringComparison.Ordinal);
    }
}
