using SharpDiffusion.Sampling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// denoising-diffusion-pytorch 2.x's <c>Block</c>: h = Dropout(SiLU(RMSNorm(conv3×3(x)) · (1 + scale) + shift)), the
/// scale-shift only when given. Keys: <c>proj.{weight,bias}</c>, <c>norm.g</c>.
/// </summary>
internal sealed class ReferenceConvBlock : Module<Tensor, Tensor?, Tensor?, Tensor>
{
    private readonly BlockAlignedConv2d proj;
    private readonly RmsNorm norm;
    private readonly Dropout dropout;

    public ReferenceConvBlock(long inChannels, long outChannels, double dropoutRate) : base(nameof(ReferenceConvBlock))
    {
        proj = new BlockAlignedConv2d(inChannels, outChannels, 3, padding: 1);
        norm = new RmsNorm(outChannels);
        dropout = Dropout(dropoutRate);
        RegisterComponents();
    }

    /// <param name="x">[B, in, H, W]</param>
    /// <param name="scale">[B, out, 1, 1] or null.</param>
    /// <param name="shift">[B, out, 1, 1] or null.</param>
    public override Tensor forward(Tensor x, Tensor? scale, Tensor? shift)
    {
        using var scope = NewDisposeScope();
        var h = norm.forward(proj.forward(x));
        if (scale is not null && shift is not null) h = (h * Scaled.PlusOne(scale)).Plus(shift);
        return dropout.forward(functional.silu(h)).MoveToOuterDisposeScope();
    }
}
