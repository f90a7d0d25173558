using SharpDiffusion.Config;
using SharpDiffusion.Models;

namespace SharpDiffusion.Tests.Models;

/// <summary>
/// Parameter counts of the reference layout against counts derived by hand from denoising-diffusion-pytorch 2.x's Unet
/// (docs/model.md): level i's blocks at dims[i], widening downsamplers, R up blocks per level, RMSNorm gains, 4 memory
/// key/value tokens per attention head.
/// </summary>
public class ReferenceLayoutParameterCountTests
{
    private const int MemoryTokens = 4;

    private static long Conv(long kernel, long input, long output, bool bias = true) => kernel * kernel * input * output + (bias ? output : 0);
    private static long Linear(long input, long output) => input * output + output;

    // mlp Linear(E→2o); block1 = conv3 + RMSNorm gain; block2 likewise; 1×1 res_conv when the widths differ.
    private static long Res(long input, long output, long embedding) =>
        Linear(embedding, 2 * output) + Conv(3, input, output) + output + Conv(3, output, output) + output
        + (input == output ? 0 : Conv(1, input, output));

    // norm gain, mem_kv, to_qkv (no bias), to_out conv (+ RMSNorm gain for the linear kind).
    private static long Attention(long channels, long heads, long headDim, bool full) =>
        channels + 2 * heads * headDim * MemoryTokens + Conv(1, channels, 3 * heads * headDim, bias: false)
        + Conv(1, heads * headDim, channels) + (full ? 0 : channels);

    /// <summary>The closed form of the whole network.</summary>
    internal static long ClosedForm(ModelConfig c, int channels, int imageSize)
    {
        long dim = c.Dim, embedding = 4 * dim;
        int levels = c.DimMults.Count;
        long[] dims = [dim, .. c.DimMults.Select(m => dim * m)];
        bool Full(int level) => c.AttentionResolutions.Contains(imageSize >> level);

        long total = Conv(7, channels, dim) + Linear(dim, embedding) + Linear(embedding, embedding);
        if (c.ClassConditional) total += (c.NumClasses + 1) * embedding;
        for (int level = 0; level < levels; level++)
        {
            long input = dims[level], output = dims[level + 1];
            bool last = level == levels - 1;
            total += c.ResBlocks * Res(input, input, embedding) + Attention(input, c.Heads, c.HeadDim, Full(level))
                + (last ? Conv(3, input, output) : Conv(1, 4 * input, output));
            total += c.ResBlocks * Res(output + input, output, embedding) + Attention(output, c.Heads, c.HeadDim, Full(level))
                + Conv(3, output, input);
        }
        long middle = dims[levels];
        total += 2 * Res(middle, middle, embedding) + Attention(middle, c.Heads, c.HeadDim, full: true);
        return total + Res(2 * dim, dim, embedding) + Conv(1, dim, channels);
    }

    [Fact]
    public void Of_TinyConfig_EqualsHandArithmetic()
    {
        // dim 8, mults [1, 2] (dims 8, 8, 16), 1 res block, 3 channels, 16 px, no full attention at the levels,
        // 2 heads × 4 (inner width 8), embedding 4·8 = 32.
        var config = new ModelConfig { Layout = UNetLayout.Reference, Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Heads = 2, HeadDim = 4 };
        using var model = new UNet(config, channels: 3, imageSize: 16);

        long initConv = 7 * 7 * 3 * 8 + 8;                                        // 1184
        long timeMlp = (8 * 32 + 32) + (32 * 32 + 32);                             // 288 + 1056 = 1344
        // Res(i→o) = Linear(32→2o) + conv3(i→o) + g(o) + conv3(o→o) + g(o) [+ conv1(i→o) when i ≠ o]
        long res8To8 = (32 * 16 + 16) + (576 + 8) + 8 + (576 + 8) + 8;            // 1712
        long res16To16 = (32 * 32 + 32) + (2304 + 16) + 16 + (2304 + 16) + 16;    // 5728
        long res24To16 = 1056 + (3456 + 16) + 16 + (2304 + 16) + 16 + (384 + 16); // up level 1: 16 running + 8 skip = 7280
        long res16To8 = 528 + (1152 + 8) + 8 + (576 + 8) + 8 + (128 + 8);         // up level 0 and final block: 2424
        // Attention: g(c) + mem_kv 2·2·4·4 + to_qkv c·24 + to_out conv (8→c) [+ g(c) for linear]
        long linear8 = 8 + 64 + 8 * 24 + (64 + 8) + 8;                             // 344
        long linear16 = 16 + 64 + 16 * 24 + (128 + 16) + 16;                       // 624
        long full16 = 16 + 64 + 16 * 24 + (128 + 16);                              // 608
        long unshuffleDown8To8 = 32 * 8 + 8;                                       // 1×1 conv on 4·8 channels: 264
        long lastDown8To16 = 9 * 8 * 16 + 16;                                      // 1168
        long upsample16To8 = 9 * 16 * 8 + 8;                                       // 1160
        long lastUp8To8 = 9 * 8 * 8 + 8;                                           // 584
        long finalConv = 8 * 3 + 3;                                                // 27

        long expected = initConv + timeMlp
            + res8To8 + linear8 + unshuffleDown8To8
            + res8To8 + linear8 + lastDown8To16
            + res16To16 + full16 + res16To16
            + res24To16 + linear16 + upsample16To8
            + res16To8 + linear8 + lastUp8To8
            + res16To8 + finalConv;
        Assert.Equal(35_003, expected);
        Assert.Equal(expected, ParameterCount.Of(model));
    }

    [Theory]
    [InlineData(8, new[] { 1, 2 }, 1, new[] { 8 }, 3, 16, false, 0)]
    [InlineData(8, new[] { 1, 2, 2 }, 2, new[] { 16, 8 }, 1, 32, true, 5)]
    [InlineData(16, new[] { 1, 2, 4, 8 }, 2, new[] { 8 }, 3, 64, true, 10)]
    [InlineData(12, new[] { 2, 3 }, 3, new[] { 32 }, 3, 32, false, 0)]
    public void Of_VariousConfigs_EqualsClosedForm(int dim, int[] mults, int resBlocks, int[] attention, int channels, int size, bool conditional, int classes)
    {
        var config = new ModelConfig
        {
            Layout = UNetLayout.Reference, Dim = dim, DimMults = mults, ResBlocks = resBlocks, AttentionResolutions = attention,
            Heads = 3, HeadDim = 5, ClassConditional = conditional, NumClasses = classes,
        };
        using var model = new UNet(config, channels, size);
        Assert.Equal(ClosedForm(config, channels, size), ParameterCount.Of(model));
    }

    // docs/model.md, reference-layout table: default config (mults 1,2,4,8, 2 blocks, 4 heads × 32) with full attention at
    // the innermost level (attention_resolutions [8] at 64 px, configs/sysu/reference-code.json), RGB 64×64, unconditional.
    private const long Dim64 = 35_711_491;

    [Fact]
    public void Of_ReferenceCodeConfigAtDim64_MatchesDocumentedTable()
    {
        var config = new ModelConfig { Layout = UNetLayout.Reference, Dim = 64, AttentionResolutions = [8] };
        using var model = new UNet(config, 3, 64);
        long built = ParameterCount.Of(model);
        Assert.Equal(ClosedForm(config, 3, 64), built);
        Assert.Equal(Dim64, built);
    }

    [Theory]
    [InlineData(64, Dim64)]
    [InlineData(96, 79_545_603L)]
    [InlineData(128, 140_701_699L)]
    public void ClosedForm_ReferenceCodeConfigAt64Pixels_MatchesDocumentedTable(int dim, long documented)
    {
        Assert.Equal(documented, ClosedForm(new ModelConfig { Layout = UNetLayout.Reference, Dim = dim, AttentionResolutions = [8] }, 3, 64));
    }
}
