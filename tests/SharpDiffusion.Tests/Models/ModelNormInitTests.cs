using SharpDiffusion.Config;
using SharpDiffusion.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

/// <summary>TorchSharp leaves GroupNorm's affine parameters uninitialised (PLATFORM.md); every norm must start at weight 1, bias 0.</summary>
public class ModelNormInitTests
{
    [Fact]
    public void FreshUNet_EveryNormParameter_IsExactlyOneOrZero()
    {
        var config = new ModelConfig { Dim = 16, DimMults = [1, 2, 4], ResBlocks = 2, AttentionResolutions = [16], ClassConditional = true, NumClasses = 2 };
        using var model = new UNet(config, 3, 32);

        var norms = model.named_modules().Where(m => m.module is GroupNorm).ToList();
        // 2 per res block (6 down + 2 mid + 9 up), 1 per attention (2 down + 1 mid + 3 up), 1 final.
        Assert.Equal(2 * (6 + 2 + 9) + (2 + 1 + 3) + 1, norms.Count);
        var normParameters = model.named_parameters().Where(p => p.name.Split('.')[^2].Contains("norm", StringComparison.Ordinal)).ToList();
        Assert.Equal(2 * norms.Count, normParameters.Count);
        foreach (var (name, parameter) in normParameters)
        {
            float expected = name.EndsWith(".weight", StringComparison.Ordinal) ? 1f : 0f;
            Assert.True(parameter.isfinite().all().item<bool>(), $"{name} is not finite");
            Assert.True(parameter.eq(expected).all().item<bool>(), $"{name} is not {expected}");
        }
    }

    [Fact]
    public void GroupNorm_ManyFreshLayers_AreIdentityAffine()
    {
        for (int i = 0; i < 50; i++)
        {
            using var norm = Norms.GroupNorm(4, 64);
            Assert.True(norm.weight!.eq(1f).all().item<bool>());
            Assert.True(norm.bias!.eq(0f).all().item<bool>());
        }
    }

    [Fact]
    public void GroupNorm_Forward_NormalisesEachGroupToZeroMeanUnitVariance()
    {
        using var scope = NewDisposeScope();
        using var norm = Norms.GroupNorm(2, 4);
        var x = arange(2 * 4 * 3 * 3, dtype: ScalarType.Float32).reshape(2, 4, 3, 3) * 0.7 + 5;
        var grouped = norm.forward(x).reshape(2, 2, -1);
        Assert.True(grouped.mean([2]).abs().max().item<float>() < 1e-5f);
        Assert.True((grouped.var([2], unbiased: false) - 1).abs().max().item<float>() < 1e-3f);
    }

    [Fact]
    public void GroupNorm_ChannelsNotMultipleOfGroups_Throws()
    {
        Assert.Throws<ArgumentException>(() => Norms.GroupNorm(8, 12));
    }
}
