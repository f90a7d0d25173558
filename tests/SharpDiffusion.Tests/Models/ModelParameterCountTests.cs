using SharpDiffusion.Config;
using SharpDiffusion.Models;

namespace SharpDiffusion.Tests.Models;

/// <summary>Parameter counts of the built U-Net against counts derived by hand from the architecture in docs/model.md.</summary>
public class ModelParameterCountTests
{
    // Closed forms of the layers' trainable scalars.
    private static long Conv(long kernel, long input, long output, bool bias = true) => kernel * kernel * input * output + (bias ? output : 0);
    private static long Linear(long input, long output) => input * output + output;
    private static long Norm(long channels) => 2 * channels;

    private static long Res(long input, long output, long embedding) =>
        Norm(input) + Conv(3, input, output) + Linear(embedding, 2 * output) + Norm(output) + Conv(3, output, output)
        + (input == output ? 0 : Conv(1, input, output));

    private static long Attention(long channels, long heads, long headDim) =>
        Norm(channels) + Conv(1, channels, 3 * heads * headDim, bias: false) + Conv(1, heads * headDim, channels);

    [Fact]
    public void Of_TinyConfigWithoutLevelAttention_EqualsHandArithmetic()
    {
        // dim 8, mults [1, 2], 1 res block, 3 channels, 16 px, attention only in the middle (2 heads × 4), embedding 4·8 = 32.
        var config = new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Heads = 2, HeadDim = 4 };
        using var model = new UNet(config, channels: 3, imageSize: 16);

        long initConv = 3 * 3 * 3 * 8 + 8;                                   // 224
        long timeMlp = (8 * 32 + 32) + (32 * 32 + 32);                        // 288 + 1056 = 1344
        // Res(i→o) = GN(i) + conv3(i→o) + Linear(32→2o) + GN(o) + conv3(o→o) [+ conv1(i→o) when i ≠ o]
        long res8To8 = 16 + (576 + 8) + (32 * 16 + 16) + 16 + (576 + 8);      // 1728
        long res8To16 = 16 + (1152 + 16) + (32 * 32 + 32) + 32 + (2304 + 16) + (128 + 16);   // 4736
        long res16To16 = 32 + (2304 + 16) + (32 * 32 + 32) + 32 + (2304 + 16);               // 5760
        long attention16 = 32 + 16 * 24 + (8 * 16 + 16);                     // GN + qkv (no bias) + proj = 560
        long downsample8 = 576 + 8;                                           // 584
        long upsample16 = 2304 + 16;                                          // 2320
        // Up path, skips popped in reverse: level 1 takes 16 (block) then 8 (downsample); level 0 takes 8 (block) then 8 (init conv).
        long res32To16 = 64 + (4608 + 16) + 1056 + 32 + (2304 + 16) + (512 + 16);           // 8624
        long res24To16 = 48 + (3456 + 16) + 1056 + 32 + (2304 + 16) + (384 + 16);           // 7328
        long res24To8 = 48 + (1728 + 8) + 528 + 16 + (576 + 8) + (192 + 8);                 // 3112
        long res16To8 = 32 + (1152 + 8) + 528 + 16 + (576 + 8) + (128 + 8);                 // 2456
        long final = 16 + (216 + 3);                                                         // 235

        long expected = initConv + timeMlp
            + res8To8 + downsample8 + res8To16
            + res16To16 + attention16 + res16To16
            + res32To16 + res24To16 + upsample16 + res24To8 + res16To8
            + final;
        Assert.Equal(44_771, expected);
        Assert.Equal(expected, ParameterCount.Of(model));
    }

    [Theory]
    [InlineData(8, new[] { 1, 2 }, 1, new[] { 8 }, 3, 16, false, 0)]
    [InlineData(8, new[] { 1, 2, 2 }, 2, new[] { 16, 8 }, 1, 32, true, 5)]
    [InlineData(16, new[] { 1, 2, 4, 8 }, 2, new[] { 16 }, 3, 64, true, 10)]
    [InlineData(12, new[] { 2, 3 }, 3, new[] { 32 }, 3, 32, false, 0)]
    public void Of_VariousConfigs_EqualsClosedForm(int dim, int[] mults, int resBlocks, int[] attention, int channels, int size, bool conditional, int classes)
    {
        var config = new ModelConfig
        {
            Dim = dim, DimMults = mults, ResBlocks = resBlocks, AttentionResolutions = attention, Heads = 3, HeadDim = 5,
            Groups = 4, ClassConditional = conditional, NumClasses = classes,
        };
        using var model = new UNet(config, channels, size);
        Assert.Equal(ClosedForm(config, channels, size), ParameterCount.Of(model));
    }

    [Fact]
    public void Of_FrozenParameters_AreNotCounted()
    {
        using var model = new UNet(new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [] }, 3, 16);
        long all = ParameterCount.Of(model);
        var (_, initWeight) = model.named_parameters().Single(p => p.name == "init_conv.weight");
        initWeight.requires_grad = false;
        Assert.Equal(all - 3 * 3 * 3 * 8, ParameterCount.Of(model));
    }

    /// <summary>The architecture's count (Ho et al. skip scheme: ResBlocks blocks down, ResBlocks + 1 up), as in docs/model.md.</summary>
    internal static long ClosedForm(ModelConfig c, int channels, int size)
    {
        long embedding = 4L * c.Dim;
        long total = Conv(3, channels, c.Dim) + Linear(c.Dim, embedding) + Linear(embedding, embedding);
        if (c.ClassConditional) total += (c.NumClasses + 1) * embedding;
        var skips = new Stack<long>();
        skips.Push(c.Dim);
        long current = c.Dim;
        int levels = c.DimMults.Count;
        for (int level = 0; level < levels; level++)
        {
            long width = (long)c.Dim * c.DimMults[level];
            bool attend = c.AttentionResolutions.Contains(size >> level);
            for (int b = 0; b < c.ResBlocks; b++)
            {
                total += Res(current, width, embedding) + (attend ? Attention(width, c.Heads, c.HeadDim) : 0);
                current = width;
                skips.Push(current);
            }
            if (level < levels - 1)
            {
                total += Conv(3, current, current);
                skips.Push(current);
            }
        }
        total += 2 * Res(current, current, embedding) + Attention(current, c.Heads, c.HeadDim);
        for (int level = levels - 1; level >= 0; level--)
        {
            long width = (long)c.Dim * c.DimMults[level];
            bool attend = c.AttentionResolutions.Contains(size >> level);
            for (int b = 0; b < c.ResBlocks + 1; b++)
            {
                total += Res(current + skips.Pop(), width, embedding) + (attend ? Attention(width, c.Heads, c.HeadDim) : 0);
                current = width;
            }
            if (level > 0) total += Conv(3, current, current);
        }
        Assert.Empty(skips);
        return total + Norm(current) + Conv(3, current, channels);
    }
}
