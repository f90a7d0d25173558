using SharpDiffusion.Sampling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// Multi-head self-attention over the H·W positions of a feature map, pre-GroupNorm and residual:
/// out = x + proj(SDPA(q, k, v)), with q, k, v from one 1×1 convolution (no bias) laid out as [q heads | k heads | v heads].
/// </summary>
internal sealed class SelfAttention : Module<Tensor, Tensor>
{
    private readonly int _heads;
    private readonly int _headDim;
    private readonly GroupNorm norm;
    private readonly BlockAlignedConv2d qkv;
    private readonly BlockAlignedConv2d proj;

    public SelfAttention(long channels, int heads, int headDim, int groups) : base(nameof(SelfAttention))
    {
        if (heads < 1 || headDim < 1) throw new ArgumentException($"Attention needs at least one head of at least one channel (got {heads} × {headDim}); set model.heads and model.head_dim to positive values.");
        _heads = heads;
        _headDim = headDim;
        long inner = (long)heads * headDim;
        norm = Norms.GroupNorm(groups, channels);
        qkv = new BlockAlignedConv2d(channels, 3 * inner, 1, bias: false);
        proj = new BlockAlignedConv2d(inner, channels, 1);
        RegisterComponents();
    }

    /// <summary>heads · head_dim: the width of q, k and v.</summary>
    public long InnerChannels => (long)_heads * _headDim;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], height = x.shape[2], width = x.shape[3];
        long tokens = height * width;
        // [B, 3·heads·headDim, H, W] → 3 × [B, heads, tokens, headDim], the layout SDPA expects.
        var qkvTokens = qkv.call(norm.call(x)).reshape(batch, 3, _heads, _headDim, tokens).permute(1, 0, 2, 4, 3);
        // The fused (flash / memory-efficient) kernels need a unit stride in the last dimension.
        var q = qkvTokens[0].contiguous();
        var k = qkvTokens[1].contiguous();
        var v = qkvTokens[2].contiguous();
        var attended = functional.scaled_dot_product_attention(q, k, v);
        var merged = attended.permute(0, 1, 3, 2).reshape(batch, (long)_heads * _headDim, height, width);
        return x.Plus(proj.call(merged)).MoveToOuterDisposeScope();
    }
}
