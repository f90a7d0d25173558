using SharpDiffusion.Sampling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// Pre-activation residual block (Ho et al. 2020, App. B) with the timestep/class embedding applied as a GroupNorm
/// scale and shift (Nichol &amp; Dhariwal 2021, "AdaGN"): h = conv1(SiLU(norm1(x))); h = norm2(h)·(1+s)+b;
/// out = conv2(dropout(SiLU(h))) + skip(x).
/// </summary>
internal sealed class ResnetBlock : Module<Tensor, Tensor, Tensor>
{
    private readonly GroupNorm norm1;
    private readonly BlockAlignedConv2d conv1;
    private readonly Linear time_proj;
    private readonly GroupNorm norm2;
    private readonly Dropout dropout;
    private readonly BlockAlignedConv2d conv2;
    private readonly BlockAlignedConv2d? skip;

    public ResnetBlock(long inChannels, long outChannels, long embeddingDim, int groups, double dropoutRate)
        : base(nameof(ResnetBlock))
    {
        norm1 = Norms.GroupNorm(groups, inChannels);
        conv1 = new BlockAlignedConv2d(inChannels, outChannels, 3, padding: 1);
        time_proj = Linear(embeddingDim, 2 * outChannels);
        norm2 = Norms.GroupNorm(groups, outChannels);
        dropout = Dropout(dropoutRate);
        conv2 = new BlockAlignedConv2d(outChannels, outChannels, 3, padding: 1);
        skip = inChannels == outChannels ? null : new BlockAlignedConv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    /// <param name="x">[B, in, H, W]</param>
    /// <param name="embedding">[B, embeddingDim]: the time (plus class) embedding after the time MLP.</param>
    public override Tensor forward(Tensor x, Tensor embedding)
    {
        using var scope = NewDisposeScope();
        var h = conv1.call(functional.silu(norm1.call(x)));
        var scaleShift = time_proj.call(functional.silu(embedding)).unsqueeze(-1).unsqueeze(-1);
        var parts = scaleShift.chunk(2, dim: 1);
        h = (norm2.call(h) * Scaled.PlusOne(parts[0])).Plus(parts[1]);
        h = conv2.call(dropout.call(functional.silu(h)));
        var residual = skip is null ? x : skip.call(x);
        return h.Plus(residual).MoveToOuterDisposeScope();
    }
}
