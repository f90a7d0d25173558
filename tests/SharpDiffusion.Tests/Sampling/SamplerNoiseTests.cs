using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

public class SamplerNoiseTests
{
    [Fact]
    public void Next_SameSampleIndex_SameNoiseWhateverTheBatchSplit()
    {
        // 8 × 3×64×64 takes the parallel path, the halves the serial one: both must agree.
        long[] shape = [3, 64, 64];
        using var scope = NewDisposeScope();
        var whole = new SampleNoise(17, 0, 8, CPU);
        var head = new SampleNoise(17, 0, 3, CPU);
        var tail = new SampleNoise(17, 3, 5, CPU);
        for (int call = 0; call < 2; call++)
        {
            var joined = cat([head.Next(shape), tail.Next(shape)], 0);
            Assert.True(whole.Next(shape).equal(joined).all().item<bool>());
        }
    }

    [Fact]
    public void Next_ManyDraws_AreStandardNormal()
    {
        const int n = 200_000;
        using var scope = NewDisposeScope();
        var x = new SampleNoise(1, 0, 1000, CPU).Next([200]).to(ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, x.dtype);
        Assert.Equal(0.0, x.mean().item<double>(), 4 / Math.Sqrt(n));
        Assert.Equal(1.0, x.var().item<double>(), 4 * Math.Sqrt(2.0 / n));
        // Fourth moment 3 (variance of x⁴ is 96): catches a uniform or otherwise non-Gaussian generator.
        Assert.Equal(3.0, x.pow(4).mean().item<double>(), 4 * Math.Sqrt(96.0 / n));
    }

    [Fact]
    public void Next_ReturnsFloat32OnTheDeviceWithTheBatchDimensionFirst()
    {
        using var scope = NewDisposeScope();
        var x = new SampleNoise(1, 5, 3, CPU).Next([2, 7]);
        Assert.Equal([3L, 2, 7], x.shape);
        Assert.Equal(ScalarType.Float32, x.dtype);
    }

    [Fact]
    public void Next_OtherSeedOrSuccessiveCall_GivesOtherNoise()
    {
        using var scope = NewDisposeScope();
        var source = new SampleNoise(1, 0, 4, CPU);
        var first = source.Next([16]);
        var second = source.Next([16]);
        var otherSeed = new SampleNoise(2, 0, 4, CPU).Next([16]);
        Assert.False(first.equal(second).any().item<bool>());
        Assert.False(first.equal(otherSeed).any().item<bool>());
        Assert.False(first[0].equal(first[1]).any().item<bool>());
    }

    [Fact]
    public void Constructor_InvalidCountOrIndex_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleNoise(1, 0, 0, CPU));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SampleNoise(1, -1, 4, CPU));
    }
}
