using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpDiffusion.Models;

/// <summary>
/// The models' 2-D convolution: TorchSharp's <c>nn.Conv2d</c> (same parameters <c>weight</c>/<c>bias</c>, same
/// initialisation, so checkpoints and seeds do not change) whose forward goes through <see cref="BlockAlignedConvolution"/>.
/// </summary>
public sealed class BlockAlignedConv2d : Convolution
{
    public BlockAlignedConv2d(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0, bool bias = true)
        : this(inChannels, outChannels, (kernel, kernel), (stride, stride), (padding, padding), bias)
    {
    }

    public BlockAlignedConv2d(long inChannels, long outChannels, (long, long) kernel, (long, long) stride, (long, long) padding, bool bias = true)
        : base(nameof(Conv2d), inChannels, outChannels, [kernel.Item1, kernel.Item2], [stride.Item1, stride.Item2], [padding.Item1, padding.Item2],
            padding_type: null, dilation: [1, 1], transposed: false, output_padding: [0, 0], groups: 1, bias: bias, padding_mode: PaddingModes.Zeros, device: null, dtype: null)
    {
    }

    public override Tensor forward(Tensor input) =>
        BlockAlignedConvolution.Conv2d(input, weight!, bias, stride, padding!, dilation, groups);
}
