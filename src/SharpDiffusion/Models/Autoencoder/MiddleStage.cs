using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models.Autoencoder;

/// <summary>The lowest resolution of encoder and decoder: residual block, optional single-head self-attention, residual block.</summary>
internal sealed class MiddleStage : Module<Tensor, Tensor>
{
    private readonly ResidualBlock block1;
    private readonly SelfAttention? attention;
    private readonly ResidualBlock block2;

    public MiddleStage(long channels, int groups, bool withAttention) : base(nameof(MiddleStage))
    {
        block1 = new ResidualBlock(channels, channels, groups);
        attention = withAttention ? new SelfAttention(channels, heads: 1, headDim: (int)channels, groups) : null;
        block2 = new ResidualBlock(channels, channels, groups);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = block1.call(x);
        if (attention is not null) h = attention.call(h);
        return block2.call(h).MoveToOuterDisposeScope();
    }
}
