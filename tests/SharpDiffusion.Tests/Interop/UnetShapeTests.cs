using SharpDiffusion.Config;
using SharpDiffusion.Interop;
using SharpDiffusion.Interop.DenoisingDiffusionPytorch;
using SharpDiffusion.Models;

namespace SharpDiffusion.Tests.Interop;

/// <summary>
/// The reference layout's state_dict has the keys and shapes of denoising-diffusion-pytorch's Unet (ReferenceLayoutKeyTests;
/// docs/model.md), so inferring the settings from a built model's weights must give back the settings it was built with.
/// </summary>
public sealed class UnetShapeTests
{
    public static TheoryData<int, int[], int, int, int, int[], int, int> Configs => new()
    {
        // dim, dim_mults, res_blocks, heads, head_dim, attention_resolutions, channels, image size
        { 8, [1, 2], 2, 2, 4, [4], 1, 8 },
        { 8, [1, 2, 4], 2, 1, 8, [8, 2], 3, 8 },
        { 16, [1, 1, 2, 2], 1, 4, 4, [], 3, 16 },
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Infer_WeightsOfABuiltReferenceModel_GiveItsSettings(int dim, int[] mults, int blocks, int heads, int headDim, int[] full, int channels, int size)
    {
        var config = new ModelConfig { Layout = UNetLayout.Reference, Dim = dim, DimMults = mults, ResBlocks = blocks, Heads = heads, HeadDim = headDim, AttentionResolutions = full };
        using var model = new UNet(config, channels, size);
        var inferred = UnetShape.Infer(model.state_dict(), size, "test.pt");
        Assert.Equal(channels, inferred.Channels);
        Assert.Equal((dim, blocks, heads, headDim), (inferred.Model.Dim, inferred.Model.ResBlocks, inferred.Model.Heads, inferred.Model.HeadDim));
        Assert.Equal(mults, inferred.Model.DimMults);
        Assert.Equal(full.Order(), inferred.Model.AttentionResolutions.Order());
    }

    [Fact]
    public void Infer_LearnedVarianceUnet_IsRefusedNamingTheFeature()
    {
        var config = new ModelConfig { Layout = UNetLayout.Reference, Dim = 8, DimMults = [1, 2], Heads = 2, HeadDim = 4, AttentionResolutions = [4] };
        using var model = new UNet(config, 1, 8);
        var weights = model.state_dict().ToDictionary(e => e.Key, e => e.Value);
        weights["final_conv.weight"] = TorchSharp.torch.zeros(2, 8, 1, 1); // 2 × channels out: mean and variance
        var error = Assert.Throws<InteropException>(() => UnetShape.Infer(weights, 8, "lv.pt"));
        Assert.Contains("learned_variance", error.Message, StringComparison.Ordinal);
    }
}
