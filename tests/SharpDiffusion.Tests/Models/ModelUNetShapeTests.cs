using SharpDiffusion.Config;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

public class ModelUNetShapeTests
{
    [Theory]
    [InlineData(1, 32, false, new[] { 16 }, new[] { 1, 2, 2 })]
    [InlineData(3, 32, true, new[] { 8 }, new[] { 1, 2, 2 })]
    [InlineData(3, 64, false, new[] { 16 }, new[] { 1, 2, 4, 8 })]
    [InlineData(1, 64, true, new[] { 16, 8 }, new[] { 1, 2, 4, 8 })]
    public void Forward_AnyConfig_ReturnsInputShape(int channels, int size, bool conditional, int[] attention, int[] mults)
    {
        var config = new ModelConfig
        {
            Dim = 8, DimMults = mults, ResBlocks = 1, AttentionResolutions = attention, Heads = 2, HeadDim = 4,
            ClassConditional = conditional, NumClasses = conditional ? 3 : 0,
        };
        using var model = new UNet(config, channels, size);
        model.eval();
        using var scope = NewDisposeScope();
        var x = randn(2, channels, size, size);
        var labels = conditional ? Conditioning.Classes(tensor(new long[] { 0, 2 })) : Conditioning.None;

        var output = model.forward(x, tensor(new long[] { 0, 999 }), labels);

        Assert.Equal(x.shape, output.shape);
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Theory]
    [InlineData(64, new[] { 16 }, new[] { 2 })]
    [InlineData(64, new[] { 16, 8 }, new[] { 2, 3 })]
    [InlineData(32, new[] { 16 }, new[] { 1 })]
    [InlineData(32, new int[0], new int[0])]
    public void Constructor_AttentionResolutions_PlaceAttentionAtThoseSidesOnly(int size, int[] attention, int[] expectedLevels)
    {
        var config = new ModelConfig { Dim = 8, DimMults = [1, 2, 4, 8], ResBlocks = 2, AttentionResolutions = attention, Heads = 1, HeadDim = 8 };
        using var model = new UNet(config, 3, size);
        var names = model.named_parameters().Select(p => p.name).ToList();

        // Levels are counted from the full resolution (side = size / 2^level); ups.0 is the lowest resolution.
        var downLevels = Enumerable.Range(0, 4).Where(l => names.Contains($"downs.{l}.attns.0.qkv.weight"));
        var upLevels = Enumerable.Range(0, 4).Where(l => names.Contains($"ups.{3 - l}.attns.0.qkv.weight"));
        Assert.Equal(expectedLevels, downLevels);
        Assert.Equal(expectedLevels, upLevels);
        Assert.Contains("mid.attn.qkv.weight", names);
        // Two attentions per attended level going down, three going up.
        Assert.Equal(5 * expectedLevels.Length, names.Count(n => n.Contains(".attns.", StringComparison.Ordinal) && n.EndsWith("qkv.weight", StringComparison.Ordinal)));
    }

    [Fact]
    public void Constructor_ImageSizeNotDivisibleByLevels_ThrowsNamingImageSize()
    {
        var config = new ModelConfig { Dim = 8, DimMults = [1, 2, 4, 8] };
        var error = Assert.Throws<ArgumentException>(() => new UNet(config, 3, 36));
        Assert.Contains("divisible by 2^3", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Constructor_GroupsNotDividingDim_ThrowsNamingGroups()
    {
        var error = Assert.Throws<ArgumentException>(() => new UNet(new ModelConfig { Dim = 12, DimMults = [1, 2], Groups = 8 }, 3, 16));
        Assert.Contains("model.groups", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ConditionalWithoutClasses_ThrowsNamingNumClasses()
    {
        var error = Assert.Throws<ArgumentException>(() => new UNet(new ModelConfig { Dim = 8, DimMults = [1, 2], ClassConditional = true }, 3, 16));
        Assert.Contains("model.num_classes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_WrongChannelCount_ThrowsNamingChannels()
    {
        using var model = new UNet(new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1 }, 3, 16);
        using var x = zeros(1, 1, 16, 16);
        using var t = zeros(1, dtype: ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => model.forward(x, t, Conditioning.None));
        Assert.Contains("3 channel", error.Message, StringComparison.Ordinal);
    }
}
