using SharpDiffusion.Config;
using SharpDiffusion.Models.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models.Augmentation;

/// <summary>The random side of the non-leaking augmentation: what p means, the switches, and reproducibility.</summary>
public sealed class AugmentationDrawTests
{
    [Fact]
    public void Apply_PZero_IsTheIdentityWithZeroLabels()
    {
        using var scope = NewDisposeScope();
        var images = rand([64, 3, 8, 8]).mul(2).sub(1);
        var (augmented, labels) = new NonLeakingAugmentation(new AugmentConfig { P = 0 }).Apply(images, new Generator(1));
        Assert.True(augmented.equal(images).all().item<bool>());
        Assert.True(labels.eq(0).all().item<bool>());
        Assert.Equal([64L, AugmentationLabels.Count], labels.shape);
    }

    [Fact]
    public void Draw_PHalf_AppliesEachOpToAboutHalfTheSamples_AndFlipsToAQuarter()
    {
        using var scope = NewDisposeScope();
        const int n = 20_000;
        var labels = AugmentationParameters.Draw(new AugmentConfig { P = 0.5 }, n, new Generator(2), CPU).Labels();
        double Share(int index) => labels[.., index].ne(0).to(ScalarType.Float64).mean().item<double>();
        // Applied with probability ½; a flip then needs its fair coin too (EDM): ¼. Standard error ≈ 0.0035.
        Assert.Equal(0.25, Share(AugmentationLabels.XFlip), 0.015);
        Assert.Equal(0.25, Share(AugmentationLabels.YFlip), 0.015);
        Assert.Equal(0.5, Share(AugmentationLabels.Scale), 0.015);
        Assert.Equal(0.5, Share(AugmentationLabels.RotateSin), 0.015);
        Assert.Equal(0.5, Share(AugmentationLabels.AnisoCos), 0.015);
        Assert.Equal(0.5, Share(AugmentationLabels.TranslateX), 0.015);
        // Translation applies to x and y together, as one op.
        Assert.True(labels[.., AugmentationLabels.TranslateX].ne(0).equal(labels[.., AugmentationLabels.TranslateY].ne(0)).all().item<bool>());
        // Among applied samples: scale w ~ N(0, 1), rotation uniform over the circle (E cos θ = 0, E sin² θ = ½).
        var scaled = labels[.., AugmentationLabels.Scale];
        var applied = scaled.ne(0);
        Assert.Equal(1.0, scaled.masked_select(applied).std().item<float>(), 0.05);
        var sine = labels[.., AugmentationLabels.RotateSin];
        var rotated = sine.ne(0);
        Assert.Equal(0.0, labels[.., AugmentationLabels.RotateCos].masked_select(rotated).add(1).mean().item<float>(), 0.03);
        Assert.Equal(0.5, sine.masked_select(rotated).square().mean().item<float>(), 0.03);
    }

    [Fact]
    public void Draw_OpSwitchedOff_KeepsItsSlotsZero()
    {
        using var scope = NewDisposeScope();
        var config = new AugmentConfig { P = 1, Yflip = false, Rotate = false, Translate = false };
        var labels = AugmentationParameters.Draw(config, 256, new Generator(3), CPU).Labels();
        foreach (int off in new[] { AugmentationLabels.YFlip, AugmentationLabels.RotateCos, AugmentationLabels.RotateSin, AugmentationLabels.TranslateX, AugmentationLabels.TranslateY })
            Assert.True(labels[.., off].eq(0).all().item<bool>(), $"slot {off}");
        Assert.True(labels[.., AugmentationLabels.Scale].ne(0).all().item<bool>());
    }

    [Fact]
    public void Apply_SameGeneratorState_SameImagesAndLabels()
    {
        using var scope = NewDisposeScope();
        var images = rand([8, 1, 8, 8]);
        var pipe = new NonLeakingAugmentation(new AugmentConfig { P = 0.7 });
        var (first, firstLabels) = pipe.Apply(images, new Generator(9));
        var (second, secondLabels) = pipe.Apply(images, new Generator(9));
        Assert.True(first.equal(second).all().item<bool>() && firstLabels.equal(secondLabels).all().item<bool>());
        Assert.False(first.equal(images).all().item<bool>());
    }
}
