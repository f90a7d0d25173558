using SharpDiffusion.Sampling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models.Autoencoder;

/// <summary>
/// The autoencoder's pre-activation residual block (LDM's ResnetBlock without a time embedding):
/// out = skip(x) + conv2(SiLU(norm2(conv1(SiLU(norm1(x)))))).
/// </summary>
internal sealed class ResidualBlock : Module<Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly BlockAlignedConv2d conv1;
    private readonly GroupNorm norm2;
    private readonly BlockAlignedConv2d conv2;
    private readonly BlockAlignedConv2d? skip;

    public ResidualBlock(long inChannels, long outChannels, int groups) : base(nameof(ResidualBlock))
    {
        norm1 = Norms.GroupNorm(groups, inChannels);
        conv1 = new BlockAlignedConv2d(inChannels, outChannels, 3, padding: 1);
        norm2 = Norms.GroupNorm(groups, outChannels);
        conv2 = new BlockAlignedConv2d(outChannels, outChannels, 3, padding: 1);
        skip = inChannels == outChannels ? null : new BlockAlignedConv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv1.call(functional.silu(norm1.call(x)));
        h = conv2.call(functional.silu(norm2.call(h)));
        var residual = skip is null ? x : skip.call(x);
        return h.Plus(residual).MoveToOuterDisposeScope();
    }
}
