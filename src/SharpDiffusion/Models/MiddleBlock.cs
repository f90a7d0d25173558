using SharpDiffusion.Config;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>The bottleneck at the lowest resolution: residual block, self-attention, residual block.</summary>
internal sealed class MiddleBlock : Module<Tensor, Tensor, Tensor>
{
    private readonly ResnetBlock block1;
    private readonly SelfAttention attn;
    private readonly ResnetBlock block2;

    public MiddleBlock(long channels, long embeddingDim, ModelConfig options) : base(nameof(MiddleBlock))
    {
        block1 = new ResnetBlock(channels, channels, embeddingDim, options.Groups, options.Dropout);
        attn = new SelfAttention(channels, options.Heads, options.HeadDim, options.Groups);
        block2 = new ResnetBlock(channels, channels, embeddingDim, options.Groups, options.Dropout);
        RegisterComponents();
    }

    public override Tensor forward(Tensor h, Tensor embedding)
    {
        using var scope = NewDisposeScope();
        return block2.call(attn.call(block1.call(h, embedding)), embedding).MoveToOuterDisposeScope();
    }
}
