using SharpDiffusion.Config;
using SharpDiffusion.Models;
using SharpDiffusion.Models.Augmentation;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models.Augmentation;

/// <summary>map_augment in both U-Net layouts: present only with data.augment, silent at zero labels, wired otherwise.</summary>
public sealed class AugmentationNetworkTests
{
    private static UNet Tiny(UNetLayout layout, AugmentConfig? augment)
    {
        random.manual_seed(3);
        var config = new ModelConfig { Layout = layout, Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Groups = 4, ClassConditional = true, NumClasses = 2 };
        var model = new UNet(config, 3, 8, augment);
        model.eval();
        return model;
    }

    [Theory]
    [InlineData(UNetLayout.Ddpm)]
    [InlineData(UNetLayout.Reference)]
    public void Parameters_WithoutAugment_AreTheModelsOwn_AndAugmentAddsOnlyAZeroMapAugment(UNetLayout layout)
    {
        using var plain = Tiny(layout, null);
        using var augmented = Tiny(layout, new AugmentConfig());
        var plainState = plain.state_dict();
        var augmentedState = augmented.state_dict();

        Assert.DoesNotContain(plainState.Keys, k => k.StartsWith("map_augment", StringComparison.Ordinal));
        Assert.Equal(plainState.Keys, augmentedState.Keys.Where(k => k != "map_augment.weight"));
        // Same seed, same weights: the new layer draws nothing, so every other parameter is as before.
        Assert.All(plainState, e => Assert.True(e.Value.equal(augmentedState[e.Key]).all().item<bool>(), e.Key));
        var weight = augmentedState["map_augment.weight"];
        Assert.Equal([8L, AugmentationLabels.Count], weight.shape);
        Assert.True(weight.eq(0).all().item<bool>());
    }

    [Theory]
    [InlineData(UNetLayout.Ddpm)]
    [InlineData(UNetLayout.Reference)]
    public void Forward_ZeroLabelsEqualNone_NonZeroLabelsChangeTheOutput(UNetLayout layout)
    {
        using var model = Tiny(layout, new AugmentConfig());
        using var scope = NewDisposeScope();
        using (no_grad()) model.state_dict()["map_augment.weight"].normal_();
        var x = randn(2, 3, 8, 8);
        var t = tensor(new long[] { 3, 7 });
        var classes = Conditioning.Classes(tensor(new long[] { 0, 1 }));

        var absent = model.forward(x, t, classes);
        var zero = model.forward(x, t, classes with { AugmentationLabels = zeros(2, AugmentationLabels.Count) });
        var rotated = model.forward(x, t, classes with { AugmentationLabels = zeros(2, AugmentationLabels.Count).index_fill_(1, tensor(new long[] { AugmentationLabels.RotateSin }), 1.0) });

        Assert.True(absent.equal(zero).all().item<bool>());
        Assert.True((absent - rotated).abs().max().item<float>() > 1e-4f);
    }

    [Fact]
    public void Forward_SuperResolutionWithAugmentation_TakesTheLabels()
    {
        random.manual_seed(3);
        var config = new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Groups = 4, SuperResolution = new SuperResolutionConfig { InputSize = 4 } };
        using var model = new UNet(config, 3, 8, new AugmentConfig());
        model.eval();
        using var scope = NewDisposeScope();
        using (no_grad()) model.state_dict()["map_augment.weight"].normal_();
        var condition = new Conditioning { LowResolution = randn(2, 3, 4, 4), AugmentationLevel = zeros(2) };
        var x = randn(2, 3, 8, 8);
        var t = tensor(new long[] { 1, 2 });
        var plain = model.forward(x, t, condition);
        var flipped = model.forward(x, t, condition with { AugmentationLabels = zeros(2, AugmentationLabels.Count).index_fill_(1, tensor(new long[] { AugmentationLabels.XFlip }), 1.0) });
        Assert.True((plain - flipped).abs().max().item<float>() > 1e-4f);
    }
}
