using SharpDiffusion.Models;
using SharpDiffusion.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Runtime;

/// <summary>
/// Every convolution shape of every model family, under the oneDNN setup this process actually runs (the host's full
/// instruction set, with channel padding where <see cref="OneDnnSetup"/> turned it on): forward, dx, dw and db against
/// float64, and bitwise equal over three repeats (issue 20 §3).
/// </summary>
public sealed class ConvolutionCorrectnessTests(ITestOutputHelper output)
{
    private static string ConfigsFolder([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "configs"));

    private static readonly Lazy<IReadOnlyList<(string Family, ConvolutionCall Call)>> Calls = new(() => ConvolutionCheck.Enumerate(ConfigsFolder()));

    [Fact]
    public void Enumerate_ShippedConfigs_FindsEveryFamilyAndTheOddChannelCounts()
    {
        var families = Calls.Value.Select(c => c.Family.Split(' ')[0]).ToHashSet();
        foreach (string family in new[] { "pixel", "super-resolution", "autoencoder", "discriminator", "perceptual", "latent", "FID" })
            Assert.Contains(family, families);
        // The shapes issue 20 names: RGB in and out, the super-resolution stage's 6-channel input, 3–8-channel latents.
        var inChannels = Calls.Value.Select(c => c.Call.Weight[1]).ToHashSet();
        var outChannels = Calls.Value.Select(c => c.Call.Weight[0]).ToHashSet();
        Assert.Contains(3L, inChannels);
        Assert.Contains(6L, inChannels);
        Assert.Contains(3L, outChannels);
        Assert.Contains(4L, inChannels);
        Assert.Contains(8L, outChannels); // an encoder's 2 × 4 latent channels (mean and log-variance)
    }

    [Fact]
    public void EveryConvolution_Float32_MatchesFloat64AndRepeatsBitwise()
    {
        output.WriteLine(OneDnnSetup.Current.Describe());
        var failures = Calls.Value.SelectMany(c => ConvolutionCheck.Check(c.Family, c.Call)).ToList();
        output.WriteLine($"{Calls.Value.Count} distinct convolutions checked, {failures.Count} failures");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    /// <summary>Mixed precision (training.precision bf16) runs the diffusion U-Nets' convolutions in bfloat16.</summary>
    [Fact]
    public void EveryDiffusionUNetConvolution_BFloat16_MatchesFloat64WithinBFloat16PrecisionAndRepeatsBitwise()
    {
        var unets = Calls.Value.Where(c => c.Family.Split(' ')[0] is "pixel" or "super-resolution" or "latent").ToList();
        Assert.NotEmpty(unets);
        var failures = unets.SelectMany(c => ConvolutionCheck.Check(c.Family, c.Call, ScalarType.BFloat16)).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(20)));
    }

    /// <summary>
    /// The padded path itself, forced on whatever this host needs: zero channels, zero filters and zero taps leave forward and
    /// gradients those of the unpadded convolution, for blocks 8 and 16, dense and depthwise (the super-resolution blur).
    /// </summary>
    [Theory]
    [InlineData(8)]
    [InlineData(16)]
    public void Padded_OddChannelCounts_MatchFloat64(int block)
    {
        ConvolutionCall[] calls =
        [
            new([2, 3, 9, 9], [32, 3, 3, 3], true, [1, 1], [1, 1], [1, 1], 1),   // RGB in
            new([2, 32, 9, 9], [3, 32, 3, 3], true, [1, 1], [1, 1], [1, 1], 1),  // RGB out
            new([2, 6, 9, 9], [20, 6, 3, 3], false, [2, 2], [1, 1], [1, 1], 1),  // 6 in, 20 out, stride 2, no bias
            new([2, 12, 7, 7], [36, 12, 1, 1], true, [1, 1], [0, 0], [1, 1], 1), // 1×1
            new([1, 6, 9, 9], [6, 1, 5, 1], false, [1, 1], [0, 0], [1, 1], 6),  // depthwise, as GaussianBlur
        ];
        var failures = calls.SelectMany(c => ConvolutionCheck.Check("forced", c, block: block)).ToList();
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Aligned_RoundsUpToTheBlock()
    {
        Assert.Equal(16, BlockAlignedConvolution.Aligned(3, 16));
        Assert.Equal(16, BlockAlignedConvolution.Aligned(16, 16));
        Assert.Equal(24, BlockAlignedConvolution.Aligned(20, 8));
        Assert.Equal(48, BlockAlignedConvolution.Aligned(33, 16));
    }

    /// <summary>The models' convolution is TorchSharp's nn.Conv2d where no padding is needed: same parameters from the same seed, same outputs and gradients bit for bit.</summary>
    [Fact]
    public void BlockAlignedConv2d_WithoutPadding_IsTorchSharpsConv2dBitwise()
    {
        if (OneDnnSetup.Current.ChannelPadding > 0) return; // this host pads odd counts; the forced tests above cover it
        manual_seed(7);
        using var ours = new BlockAlignedConv2d(5, 7, 3, stride: 2, padding: 1);
        manual_seed(7);
        using var theirs = nn.Conv2d(5, 7, 3, stride: 2, padding: 1);
        Assert.True(ConvolutionCheck.Same(ours.weight!, theirs.weight!) && ConvolutionCheck.Same(ours.bias!, theirs.bias!), "initial parameters differ");
        Assert.Equal(theirs.named_parameters().Select(p => p.name), ours.named_parameters().Select(p => p.name));
        using var x = randn(2, 5, 11, 11);
        var (a, b) = (ours.forward(x), theirs.forward(x));
        Assert.True(ConvolutionCheck.Same(a, b), "forward differs");
        a.square().sum().backward();
        b.square().sum().backward();
        Assert.True(ConvolutionCheck.Same(ours.weight!.grad!, theirs.weight!.grad!) && ConvolutionCheck.Same(ours.bias!.grad!, theirs.bias!.grad!), "gradients differ");
    }
}
