using SharpDiffusion.Data;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Data;

public sealed class TensorResamplerTests
{
    [Theory]
    [InlineData(32, 16)]
    [InlineData(16, 8)]
    [InlineData(24, 16)]
    public void Resize_RandomImage_EqualsTheDataPipelinesResampler(int size, int outSize)
    {
        var random = new Random(7);
        var pixels = new byte[3 * size * size];
        random.NextBytes(pixels);
        // The pipeline's resampler on interleaved RGB bytes, planar floats in 0..255 out.
        var expected = Resampler.Resize(pixels, size * 3, 3, 3, 0, 0, size, size, outSize, outSize);

        using var interleaved = tensor(pixels, [size, size, 3], ScalarType.Byte);
        using var planar = interleaved.permute(2, 0, 1).unsqueeze(0).to(ScalarType.Float32);
        using var actual = TensorResampler.Resize(planar, outSize, outSize);
        var values = actual.flatten().data<float>().ToArray();
        Assert.Equal(expected.Length, values.Length);
        for (int i = 0; i < values.Length; i++) Assert.True(Math.Abs(values[i] - expected[i]) < 1e-3, $"pixel {i}: {values[i]} vs {expected[i]}");
    }

    [Fact]
    public void Resize_HalfSizeInterior_WeighsFourPixelsOneThreeThreeOneEighths()
    {
        // The antialiased triangle kernel at factor 2: output i reads 2i−1 … 2i+2 with weights 1/8, 3/8, 3/8, 1/8, so pixel 3 gives
        // 3/8 of itself to output 1 and 1/8 to output 2 (a plain
        // 2×2 average would give it all to output 1 at weight 1/2).
        using var row = zeros(1, 1, 1, 8);
        row[0, 0, 0, 3] = tensor(8f);
        using var half = TensorResampler.Resize(row, 1, 4);
        Assert.Equal([0f, 3f, 1f, 0f], half.flatten().data<float>().ToArray().Select(v => MathF.Round(v, 5)).ToArray());
    }
}
