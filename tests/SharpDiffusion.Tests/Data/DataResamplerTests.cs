using SharpDiffusion.Data;

namespace SharpDiffusion.Tests.Data;

public sealed class DataResamplerTests
{
    private static readonly byte[] Row = [0, 100, 200, 40];

    [Fact]
    public void Resize_HalvingARow_UsesTheWidenedTriangleKernel()
    {
        // Scale 2 ⇒ kernel radius 2 source pixels. Output 0 is centred at 1.0: taps x = 0, 1, 2 with
        // weights 1 − |x + ½ − 1|/2 = ¾, ¾, ¼ (sum 7/4); output 1 is centred at 3.0: taps 1, 2, 3 with ¼, ¾, ¾.
        var result = Resampler.Resize(Row, rowStride: 4, pixelStride: 1, channels: 1, 0, 0, 4, 1, 2, 1);

        Assert.Equal(((0 * 0.75) + (100 * 0.75) + (200 * 0.25)) / 1.75, result[0], 4);
        Assert.Equal(((100 * 0.25) + (200 * 0.75) + (40 * 0.75)) / 1.75, result[1], 4);
    }

    [Fact]
    public void Resize_SameSize_IsTheIdentity()
    {
        var pixels = Enumerable.Range(0, 5 * 3).Select(i => (byte)(i * 17)).ToArray();

        var result = Resampler.Resize(pixels, rowStride: 5, pixelStride: 1, channels: 1, 0, 0, 5, 3, 5, 3);

        Assert.Equal(pixels.Select(p => (float)p), result);
    }

    [Fact]
    public void Resize_Upscaling_KeepsAConstantImageConstant()
    {
        var pixels = Enumerable.Repeat((byte)33, 3 * 3 * 4).ToArray();

        var result = Resampler.Resize(pixels, rowStride: 12, pixelStride: 4, channels: 3, 0, 0, 3, 3, 7, 5);

        Assert.Equal(3 * 7 * 5, result.Length);
        Assert.All(result, v => Assert.Equal(33f, v, 4));
    }
}
