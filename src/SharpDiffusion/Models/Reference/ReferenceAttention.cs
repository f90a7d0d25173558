using SharpDiffusion.Sampling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// denoising-diffusion-pytorch 2.x's full <c>Attention</c>, with the residual: out = x + to_out(SDPA(q, [m_k; k], [m_v; v])),
/// q, k, v from to_qkv(RMSNorm(x)) laid out [q heads | k heads | v heads], the H·W positions as tokens, 4 learned memory
/// key/value tokens per head prepended, scale 1/√head_dim (its <c>Attend</c> without flash).
/// Keys: <c>norm.g</c>, <c>mem_kv</c> [2, heads, 4, head_dim], <c>to_qkv.weight</c>, <c>to_out.{weight,bias}</c>.
/// </summary>
internal sealed class ReferenceAttention : Module<Tensor, Tensor>
{
    private readonly int _heads;
    private readonly int _headDim;
    private readonly RmsNorm norm;
    private Parameter mem_kv;
    private readonly BlockAlignedConv2d to_qkv;
    private readonly BlockAlignedConv2d to_out;

    public ReferenceAttention(long channels, int heads, int headDim) : base(nameof(ReferenceAttention))
    {
        if (heads < 1 || headDim < 1) throw new ArgumentException($"Attention needs at least one head of at least one channel (got {heads} × {headDim}); set model.heads and model.head_dim to positive values.");
        _heads = heads;
        _headDim = headDim;
        long inner = (long)heads * headDim;
        norm = new RmsNorm(channels);
        mem_kv = new Parameter(randn(2, heads, LinearAttention.MemoryTokens, headDim));
        to_qkv = new BlockAlignedConv2d(channels, 3 * inner, 1, bias: false);
        to_out = new BlockAlignedConv2d(inner, channels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], height = x.shape[2], width = x.shape[3];
        // [B, 3·heads·d, H, W] → [3, B, heads, N, d], the layout SDPA expects.
        var qkv = to_qkv.forward(norm.forward(x)).reshape(batch, 3, _heads, _headDim, height * width).permute(1, 0, 2, 4, 3);
        var memory = mem_kv.unsqueeze(1).expand(2, batch, _heads, LinearAttention.MemoryTokens, _headDim);
        // The fused (flash / memory-efficient) kernels need a unit stride in the last dimension.
        var q = qkv[0].contiguous();
        var k = cat([memory[0], qkv[1]], dim: -2).contiguous();
        var v = cat([memory[1], qkv[2]], dim: -2).contiguous();
        var attended = functional.scaled_dot_product_attention(q, k, v);
        var merged = attended.permute(0, 1, 3, 2).reshape(batch, (long)_heads * _headDim, height, width);
        return x.Plus(to_out.forward(merged)).MoveToOuterDisposeScope();
    }
}
