using SharpDiffusion.Models;
using SharpDiffusion.Config;
using SharpDiffusion.Models.Autoencoder;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

public sealed class PatchDiscriminatorTests
{
    private static AutoencoderConfig With(int layers, int dim) => new() { DiscriminatorWeight = 0.5, DiscriminatorLayers = layers, DiscriminatorDim = dim };

    [Theory]
    // n stride-2 convolutions take s to s/2ⁿ, the two 4×4 stride-1 convolutions with padding 1 take one pixel off each:
    // s/2ⁿ − 2. 256 px with 3 layers is pix2pix's 70×70 PatchGAN and its 30×30 logit map (Isola et al. 2017).
    [InlineData(256, 3, 30)]
    [InlineData(64, 3, 6)]
    [InlineData(32, 3, 2)]
    [InlineData(32, 2, 6)]
    [InlineData(32, 1, 14)]
    public void Forward_ImageOfSideS_GivesOneLogitPerPatch(int side, int layers, int patches)
    {
        using var discriminator = new PatchDiscriminator(With(layers, dim: 8), channels: 3);
        using var images = rand(2, 3, side, side) * 2 - 1;

        using var logits = discriminator.call(images);

        Assert.Equal([2L, 1, patches, patches], logits.shape);
        Assert.Equal(patches, PatchDiscriminator.PatchSide(side, layers));
    }

    [Theory]
    [InlineData(16, 3)]
    [InlineData(32, 4)]
    public void PatchSide_TooManyLayersForTheImage_HasNoPatch(int side, int layers) => Assert.True(PatchDiscriminator.PatchSide(side, layers) <= 0);

    [Fact]
    public void New_WidthsDoubleUpToEightTimesAndTheLastLayerHasOneChannel()
    {
        // n_layers 4 at dim 8: 8, 16, 32, 64 (stride 2), 64 (stride 1, capped at 8×), then 1.
        using var discriminator = new PatchDiscriminator(With(layers: 4, dim: 8), channels: 3);
        var widths = discriminator.modules().OfType<BlockAlignedConv2d>().Select(c => c.weight!.shape[0]).ToArray();
        Assert.Equal([8L, 16, 32, 64, 64, 1], widths);
        Assert.Equal(4, discriminator.modules().OfType<GroupNorm>().Count());
    }

    [Fact]
    public void New_WeightsAreDrawnAsTamingsWeightsInit()
    {
        // Convolution weights N(0, 0.02), norm scales N(1, 0.02), norm shifts 0. At dim 64 and 3 layers there are 2.8M
        // convolution weights: the sample standard deviation's standard error is 0.02/√(2n) ≈ 8e-6, so 0.0005 is ~60 of them;
        // the 896 norm scales have a mean within 0.02/√896 ≈ 0.0007 of 1 (tolerance 0.004, ~6 standard errors).
        using var discriminator = new PatchDiscriminator(With(layers: 3, dim: 64), channels: 3);
        using var convWeights = cat(discriminator.modules().OfType<BlockAlignedConv2d>().Select(c => c.weight!.flatten()).ToList());
        using var scales = cat(discriminator.modules().OfType<GroupNorm>().Select(n => n.weight!.flatten()).ToList());
        using var shifts = cat(discriminator.modules().OfType<GroupNorm>().Select(n => n.bias!.flatten()).ToList());

        Assert.Equal(0.02, convWeights.std().item<float>(), 0.0005);
        Assert.Equal(0.0, convWeights.mean().item<float>(), 0.0005);
        Assert.Equal(896, scales.shape[0]);
        Assert.Equal(1.0, scales.mean().item<float>(), 0.004);
        Assert.InRange(scales.std().item<float>(), 0.015, 0.025);
        Assert.True(shifts.eq(0).all().item<bool>());
    }

    [Theory]
    [InlineData(64, 32)]
    [InlineData(16, 32)]
    [InlineData(8, 16)]
    [InlineData(12, 8)]
    public void GroupCount_IsLdmsThirtyTwoWhereTwiceTheWidthAllowsIt(int dim, int groups)
    {
        Assert.Equal(groups, PatchDiscriminator.GroupCount(dim));
        Assert.Equal(0, 2 * dim % groups);
    }

    [Fact]
    public void Forward_OneImage_DoesNotDependOnTheRestOfTheBatch()
    {
        // GroupNorm normalises each image alone (BatchNorm would mix the batch): an image's logits are the same alone and in a batch.
        using var discriminator = new PatchDiscriminator(With(layers: 2, dim: 8), channels: 3);
        using var images = rand(3, 3, 32, 32) * 2 - 1;
        using var batch = discriminator.call(images);
        using var alone = discriminator.call(images.narrow(0, 1, 1));
        Assert.True(batch.narrow(0, 1, 1).allclose(alone, rtol: 1e-5, atol: 1e-6));
    }
}
