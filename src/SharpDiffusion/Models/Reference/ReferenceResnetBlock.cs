using SharpDiffusion.Sampling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// denoising-diffusion-pytorch 2.x's <c>ResnetBlock</c> (post-norm, unlike the ddpm layout's pre-activation block):
/// (s, b) = mlp(emb) = Linear(SiLU(emb)); out = block2(block1(x, s, b)) + res_conv(x), where only block1 has dropout and
/// res_conv is a 1×1 convolution when the widths differ, the identity otherwise.
/// Keys: <c>mlp.1.{weight,bias}</c>, <c>block1.*</c>, <c>block2.*</c>, <c>res_conv.{weight,bias}</c>.
/// </summary>
internal sealed class ReferenceResnetBlock : Module<Tensor, Tensor, Tensor>
{
    private readonly Sequential mlp;
    private readonly ReferenceConvBlock block1;
    private readonly ReferenceConvBlock block2;
    private readonly BlockAlignedConv2d? res_conv;

    public ReferenceResnetBlock(long inChannels, long outChannels, long embeddingDim, double dropoutRate)
        : base(nameof(ReferenceResnetBlock))
    {
        // Index 0 is the parameter-free SiLU, as in the PyTorch Sequential, so the linear layer's key is "mlp.1".
        mlp = Sequential(("0", SiLU()), ("1", Linear(embeddingDim, 2 * outChannels)));
        block1 = new ReferenceConvBlock(inChannels, outChannels, dropoutRate);
        block2 = new ReferenceConvBlock(outChannels, outChannels, 0);
        res_conv = inChannels == outChannels ? null : new BlockAlignedConv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    /// <param name="x">[B, in, H, W]</param>
    /// <param name="embedding">[B, embeddingDim]: the time (plus class) embedding after the time MLP.</param>
    public override Tensor forward(Tensor x, Tensor embedding)
    {
        using var scope = NewDisposeScope();
        var scaleShift = mlp.forward(embedding).unsqueeze(-1).unsqueeze(-1).chunk(2, dim: 1);
        var h = block2.forward(block1.forward(x, scaleShift[0], scaleShift[1]), null, null);
        var residual = res_conv is null ? x : res_conv.forward(x);
        return h.Plus(residual).MoveToOuterDisposeScope();
    }
}
