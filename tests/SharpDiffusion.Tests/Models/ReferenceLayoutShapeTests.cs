using SharpDiffusion.Config;
using SharpDiffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

/// <summary>The reference layout (denoising-diffusion-pytorch 2.x structure) keeps the UNet contract.</summary>
public class ReferenceLayoutShapeTests
{
    private static ModelConfig Tiny(int[] mults, int resBlocks, int[] attention, bool conditional = false) => new()
    {
        Layout = UNetLayout.Reference, Dim = 8, DimMults = mults, ResBlocks = resBlocks, AttentionResolutions = attention,
        Heads = 2, HeadDim = 4, ClassConditional = conditional, NumClasses = conditional ? 3 : 0,
    };

    [Theory]
    [InlineData(1, 32, false, new[] { 16 }, new[] { 1, 2, 2 }, 1)]
    [InlineData(3, 32, true, new[] { 8 }, new[] { 1, 2, 2 }, 2)]
    [InlineData(3, 64, false, new[] { 8 }, new[] { 1, 2, 4, 8 }, 2)]
    [InlineData(1, 16, true, new int[0], new[] { 2, 3 }, 3)]
    [InlineData(3, 8, false, new[] { 8 }, new[] { 1 }, 1)]
    public void Forward_AnyConfig_ReturnsInputShape(int channels, int size, bool conditional, int[] attention, int[] mults, int resBlocks)
    {
        using var model = new UNet(Tiny(mults, resBlocks, attention, conditional), channels, size);
        model.eval();
        using var scope = NewDisposeScope();
        var x = randn(2, channels, size, size);
        var labels = conditional ? Conditioning.Classes(tensor(new long[] { 0, 2 })) : Conditioning.None;

        var output = model.forward(x, tensor(new long[] { 0, 999 }), labels);

        Assert.Equal(x.shape, output.shape);
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData(64, new int[0], new int[0])]
    [InlineData(64, new[] { 8 }, new[] { 3 })]
    [InlineData(64, new[] { 32, 16 }, new[] { 1, 2 })]
    [InlineData(32, new[] { 32, 4 }, new[] { 0, 3 })]
    public void Constructor_AttentionResolutions_FullAttentionThereLinearElsewhere(int size, int[] attention, int[] fullLevels)
    {
        using var model = new UNet(Tiny([1, 2, 4, 8], 2, attention), 3, size);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();

        // Level l (side size/2^l) is downs.l and ups.(3−l); its attention is child "2" (after the 2 blocks). Only the
        // linear attention has an output norm (to_out.1.g).
        for (int level = 0; level < 4; level++)
        {
            bool full = fullLevels.Contains(level);
            foreach (string prefix in new[] { $"downs.{level}.2", $"ups.{3 - level}.2" })
            {
                Assert.Contains($"{prefix}.mem_kv", names);
                Assert.Equal(!full, names.Contains($"{prefix}.to_out.1.g"));
                Assert.Equal(full, names.Contains($"{prefix}.to_out.weight"));
            }
        }
        Assert.Contains("mid_attn.to_out.weight", names);
    }

    [Fact]
    public void Forward_DoubleModel_RunsInDoublePrecision()
    {
        // to() replaces parameters; RMSNorm's g and the attentions' mem_kv are plain fields that must follow.
        using var model = new UNet(Tiny([1, 2], 1, [8]), 3, 16);
        model.to(ScalarType.Float64);
        model.eval();
        using var scope = NewDisposeScope();
        var output = model.forward(randn(1, 3, 16, 16, dtype: ScalarType.Float64), tensor(new long[] { 5 }), Conditioning.None);
        Assert.Equal(ScalarType.Float64, output.dtype);
        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.Float64, p.dtype));
    }

    [Fact]
    public void Constructor_ReferenceLayout_IgnoresGroupsThatDoNotDivideDim()
    {
        // The reference layout has no GroupNorm, so model.groups is not a constraint there (it is for ddpm).
        var config = Tiny([1, 2], 1, []) with { Dim = 12, Groups = 8 };
        using var model = new UNet(config, 3, 16);
        Assert.Throws<ArgumentException>(() => new UNet(config with { Layout = UNetLayout.Ddpm }, 3, 16));
    }

    [Fact]
    public void Constructor_ImageSizeNotDivisibleByLevels_ThrowsNamingImageSize()
    {
        var error = Assert.Throws<ArgumentException>(() => new UNet(Tiny([1, 2, 4, 8], 1, []), 3, 36));
        Assert.Contains("divisible by 2^3", error.Message, StringComparison.Ordinal);
    }
}
