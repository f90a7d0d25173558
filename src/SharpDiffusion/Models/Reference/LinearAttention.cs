using SharpDiffusion.Sampling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// denoising-diffusion-pytorch 2.x's <c>LinearAttention</c> (after Shen et al. 2021, "Efficient Attention"), with the
/// residual: out = x + to_out(A), where per head, from q, k, v = to_qkv(RMSNorm(x)) laid out [q heads | k heads | v heads]
/// and the 4 learned memory keys/values prepended to k and v along the positions:
/// q̂ = softmax over the head_dim features of q, times 1/√head_dim; k̂ = softmax over the positions of k;
/// context = k̂ vᵀ [d × d]; A = contextᵀ q̂. Cost is linear in the number of positions.
/// Keys: <c>norm.g</c>, <c>mem_kv</c> [2, heads, head_dim, 4], <c>to_qkv.weight</c>, <c>to_out.0.{weight,bias}</c>, <c>to_out.1.g</c>.
/// </summary>
internal sealed class LinearAttention : Module<Tensor, Tensor>
{
    /// <summary>Learned memory key/value pairs per head (denoising-diffusion-pytorch's num_mem_kv default).</summary>
    public const int MemoryTokens = 4;

    private readonly int _heads;
    private readonly int _headDim;
    private readonly RmsNorm norm;
    private Parameter mem_kv;
    private readonly BlockAlignedConv2d to_qkv;
    private readonly Sequential to_out;

    public LinearAttention(long channels, int heads, int headDim) : base(nameof(LinearAttention))
    {
        if (heads < 1 || headDim < 1) throw new ArgumentException($"Attention needs at least one head of at least one channel (got {heads} × {headDim}); set model.heads and model.head_dim to positive values.");
        _heads = heads;
        _headDim = headDim;
        long inner = (long)heads * headDim;
        norm = new RmsNorm(channels);
        mem_kv = new Parameter(randn(2, heads, headDim, MemoryTokens));
        to_qkv = new BlockAlignedConv2d(channels, 3 * inner, 1, bias: false);
        to_out = Sequential(("0", new BlockAlignedConv2d(inner, channels, 1)), ("1", new RmsNorm(channels)));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], height = x.shape[2], width = x.shape[3];
        // [B, 3·heads·d, H, W] → [3, B, heads, d, N]: features by positions, per head.
        var qkv = to_qkv.forward(norm.forward(x)).reshape(batch, 3, _heads, _headDim, height * width).permute(1, 0, 2, 3, 4);
        var memory = mem_kv.unsqueeze(1).expand(2, batch, _heads, _headDim, MemoryTokens);
        var k = cat([memory[0], qkv[1]], dim: -1);
        var v = cat([memory[1], qkv[2]], dim: -1);
        var q = Scaled.By(qkv[0].softmax(-2), 1.0 / Math.Sqrt(_headDim));
        k = k.softmax(-1);
        var context = k.matmul(v.transpose(-1, -2));                  // [B, heads, d, d]: Σ_n k[d, n] v[e, n]
        var attended = context.transpose(-1, -2).matmul(q);           // [B, heads, d, N]: Σ_d context[d, e] q[d, n]
        var merged = attended.reshape(batch, (long)_heads * _headDim, height, width);
        return x.Plus(to_out.forward(merged)).MoveToOuterDisposeScope();
    }
}
