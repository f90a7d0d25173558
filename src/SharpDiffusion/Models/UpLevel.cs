using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>One resolution of the expanding path: residual blocks that each take the previous output concatenated with
/// the most recent skip (each optionally followed by attention), then nearest ×2 upsampling and a 3×3 convolution
/// unless this is the highest resolution.</summary>
internal sealed class UpLevel : Module
{
    private readonly ModuleList<ResnetBlock> blocks;
    private readonly ModuleList<SelfAttention> attns;
    private readonly BlockAlignedConv2d? upsample;

    public UpLevel(IReadOnlyList<ResnetBlock> levelBlocks, IReadOnlyList<SelfAttention> levelAttentions, BlockAlignedConv2d? levelUpsample)
        : base(nameof(UpLevel))
    {
        blocks = new ModuleList<ResnetBlock>([.. levelBlocks]);
        attns = new ModuleList<SelfAttention>([.. levelAttentions]);
        upsample = levelUpsample;
        RegisterComponents();
    }

    /// <summary>Runs the level on <paramref name="h"/>, taking its skips from the end of <paramref name="skips"/>.</summary>
    public Tensor Forward(Tensor h, Tensor embedding, List<Tensor> skips)
    {
        for (int i = 0; i < blocks.Count; i++)
        {
            var skip = skips[^1];
            skips.RemoveAt(skips.Count - 1);
            h = blocks[i].call(cat([h, skip], dim: 1), embedding);
            if (attns.Count > 0) h = attns[i].call(h);
        }
        if (upsample is not null)
            h = upsample.call(functional.interpolate(h, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest));
        return h;
    }
}
