using SharpDiffusion.Runtime;
using static TorchSharp.torch;

namespace SharpDiffusion.Models;

/// <summary>
/// 2-D convolution that never hands oneDNN a channel count it would have to pad, on hosts where its padding is broken
/// (<see cref="OneDnnSetup"/>; issue 20). There, input channels, output channels (and depthwise groups) are zero-padded up
/// to the SIMD block — the input with zero channels, the weight with zero filters and zero taps, the bias with zeros — and
/// the output is sliced back. Zero taps add exact zeros, so the result is the unpadded convolution's; autograd carries the
/// gradient of the slice and the pads back to the caller's tensors, so dx, dw and db are those of the unpadded
/// convolution too. Everywhere else (padding off, or a tensor that oneDNN does not run: CUDA, float64) this is
/// <c>functional.conv2d</c> unchanged.
/// </summary>
public static class BlockAlignedConvolution
{
    /// <summary><c>functional.conv2d</c> with the same arguments, aligned where <see cref="OneDnnSetup"/> says it must be.</summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups)
    {
        Recorder.Value?.Invoke(new ConvolutionCall(input.shape, weight.shape, bias is not null, stride, padding, dilation, groups));
        return Conv2d(input, weight, bias, stride, padding, dilation, groups, OneDnnSetup.ActiveChannelPadding);
    }

    /// <summary>Sees every call made on this logical thread while set: the tests enumerate the convolutions a model runs.</summary>
    internal static readonly AsyncLocal<Action<ConvolutionCall>?> Recorder = new();

    /// <summary>The convolution with an explicit channel block (0: unchanged), so the padded path can be tested on any host.</summary>
    internal static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, long groups, int block)
    {
        if (block == 0 || !RunsOnOneDnn(input)) return nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups);
        long outChannels = weight.shape[0], inPerGroup = weight.shape[1];
        if (groups == 1) return Dense(input, weight, bias, stride, padding, dilation, block, inPerGroup, outChannels);
        if (inPerGroup == 1 && outChannels == groups) return Depthwise(input, weight, bias, stride, padding, dilation, block, groups);
        throw new NotSupportedException(
            $"a grouped convolution with {inPerGroup} input and {outChannels / groups} output channels per group cannot be aligned to oneDNN's block of {block}; " +
            $"run with {OneDnnSetup.IsaVariable}=SSE41 on this host.");
    }

    /// <summary>The smallest multiple of <paramref name="block"/> that holds <paramref name="channels"/>.</summary>
    public static long Aligned(long channels, int block) => (channels + block - 1) / block * block;

    /// <summary>float32 / bfloat16 / float16 on the CPU: what reaches oneDNN's convolutions (float64 and CUDA do not).</summary>
    private static bool RunsOnOneDnn(Tensor input) =>
        input.device_type == TorchSharp.DeviceType.CPU && input.dtype is ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16;

    private static Tensor Dense(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, int block, long inChannels, long outChannels)
    {
        long padIn = Aligned(inChannels, block) - inChannels, padOut = Aligned(outChannels, block) - outChannels;
        if (padIn == 0 && padOut == 0) return nn.functional.conv2d(input, weight, bias, stride, padding, dilation, 1);
        using var scope = NewDisposeScope();
        var x = PadChannels(input, padIn);
        // Weight [out, in, kh, kw]: pad spec runs from the last dimension (kw, kh, in, out).
        var w = nn.functional.pad(weight, [0, 0, 0, 0, 0, padIn, 0, padOut]);
        var b = bias is null || padOut == 0 ? bias : nn.functional.pad(bias, [0, padOut]);
        var y = nn.functional.conv2d(x, w, b, stride, padding, dilation, 1);
        return (padOut == 0 ? y : y.narrow(-3, 0, outChannels)).MoveToOuterDisposeScope();
    }

    private static Tensor Depthwise(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding, long[] dilation, int block, long channels)
    {
        long pad = Aligned(channels, block) - channels;
        if (pad == 0) return nn.functional.conv2d(input, weight, bias, stride, padding, dilation, channels);
        using var scope = NewDisposeScope();
        var w = nn.functional.pad(weight, [0, 0, 0, 0, 0, 0, 0, pad]);
        var b = bias is null ? null : nn.functional.pad(bias, [0, pad]);
        var y = nn.functional.conv2d(PadChannels(input, pad), w, b, stride, padding, dilation, channels + pad);
        return y.narrow(-3, 0, channels).MoveToOuterDisposeScope();
    }

    /// <summary>Appends <paramref name="count"/> zero channels (dimension −3, batched or not).</summary>
    private static Tensor PadChannels(Tensor x, long count) => count == 0 ? x : nn.functional.pad(x, [0, 0, 0, 0, 0, count]);
}

/// <summary>The shapes and settings of one convolution call (what a correctness check needs to replay it).</summary>
internal sealed record ConvolutionCall(long[] Input, long[] Weight, bool HasBias, long[] Stride, long[] Padding, long[] Dilation, long Groups)
{
    /// <summary>A key that is equal for calls with the same channel counts, kernel and settings at the same input size.</summary>
    public string Key => $"in [{string.Join("x", Input[1..])}] w [{string.Join("x", Weight)}] bias {HasBias} s {string.Join(",", Stride)} p {string.Join(",", Padding)} d {string.Join(",", Dilation)} g {Groups}";
}

