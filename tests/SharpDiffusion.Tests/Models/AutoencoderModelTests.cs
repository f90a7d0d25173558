using SharpDiffusion.Config;
using SharpDiffusion.Models.Autoencoder;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

public sealed class AutoencoderModelTests
{
    private static AutoencoderConfig Small(int factor) => new() { Factor = factor, LatentChannels = 4, Dim = 8, ResBlocks = 1, Groups = 4, Attention = true };

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void EncodeDecode_FactorF_LatentIsHOverFAndDecodesToTheImageShape(int factor)
    {
        using var model = new AutoencoderKL(Small(factor), channels: 3, imageSize: 16);
        using var images = rand(2, 3, 16, 16) * 2 - 1;

        using var posterior = model.Encode(images);
        using var decoded = model.Decode(posterior.Mean);

        Assert.Equal([2L, 4, 16 / factor, 16 / factor], posterior.Mean.shape);
        Assert.Equal(posterior.Mean.shape, posterior.LogVariance.shape);
        Assert.Equal([4L, 16 / factor, 16 / factor], model.LatentShape);
        Assert.Equal([2L, 3, 16, 16], decoded.shape);
    }

    [Fact]
    public void NewAutoencoder_EveryGroupNormIsOneAndZero()
    {
        // TorchSharp 0.107 leaves GroupNorm's affine parameters uninitialised (PLATFORM.md); Norms.GroupNorm sets them.
        using var model = new AutoencoderKL(Small(4), channels: 1, imageSize: 16);
        var norms = model.modules().OfType<GroupNorm>().ToList();
        Assert.NotEmpty(norms);
        Assert.All(norms, n =>
        {
            Assert.True(n.weight!.eq(1).all().item<bool>());
            Assert.True(n.bias!.eq(0).all().item<bool>());
        });
    }

    [Fact]
    public void KlToStandardNormal_KnownMoments_EqualsTheClosedForm()
    {
        // KL(N(μ, σ²) ‖ N(0, 1)) = ½(μ² + σ² − 1 − ln σ²) per element, summed over the latent; computed here in double by hand.
        double[] mu = [0.5, -1.0, 0.0, 2.0];
        double[] variance = [0.25, 1.0, 4.0, 0.5];
        double expected = mu.Zip(variance, (m, v) => 0.5 * (m * m + v - 1 - Math.Log(v))).Sum();
        using var moments = tensor(mu.Concat(variance.Select(v => Math.Log(v))).ToArray(), [1, 8, 1, 1], ScalarType.Float64);

        using var posterior = new DiagonalGaussian(moments);
        using var kl = posterior.KlToStandardNormal();

        Assert.Equal(expected, kl.item<double>(), 12);
    }

    [Fact]
    public void KlToStandardNormal_StandardNormalPosterior_IsZero()
    {
        using var moments = zeros(3, 8, 2, 2, ScalarType.Float64);
        using var posterior = new DiagonalGaussian(moments);
        using var kl = posterior.KlToStandardNormal();
        Assert.Equal([3L], kl.shape);
        Assert.True(kl.eq(0).all().item<bool>());
    }

    [Fact]
    public void Sample_ManyDraws_HaveThePosteriorsMeanAndVariance()
    {
        // μ = 1.5, σ² = 0.25 on 200,000 elements: the sample mean's standard error is σ/√n ≈ 0.0011, the variance's ≈ σ²·√(2/n) ≈ 0.0008;
        // 5 standard errors is the tolerance.
        using var moments = cat([full(1, 1, 400, 500, 1.5, ScalarType.Float64), full(1, 1, 400, 500, Math.Log(0.25), ScalarType.Float64)], 1);
        using var posterior = new DiagonalGaussian(moments);
        using var generator = new Generator(3);
        using var z = posterior.Sample(generator);
        Assert.Equal(1.5, z.mean().item<double>(), 0.0055);
        Assert.InRange(z.var().item<double>(), 0.25 - 0.004, 0.25 + 0.004);
    }
}
