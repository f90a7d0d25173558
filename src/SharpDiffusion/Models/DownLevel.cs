using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>One resolution of the contracting path: residual blocks (each optionally followed by attention), then a
/// stride-2 3×3 convolution unless this is the lowest resolution. Every block output and the downsampled map are skips.</summary>
internal sealed class DownLevel : Module
{
    private readonly ModuleList<ResnetBlock> blocks;
    private readonly ModuleList<SelfAttention> attns;
    private readonly BlockAlignedConv2d? downsample;

    public DownLevel(IReadOnlyList<ResnetBlock> levelBlocks, IReadOnlyList<SelfAttention> levelAttentions, BlockAlignedConv2d? levelDownsample)
        : base(nameof(DownLevel))
    {
        blocks = new ModuleList<ResnetBlock>([.. levelBlocks]);
        attns = new ModuleList<SelfAttention>([.. levelAttentions]);
        downsample = levelDownsample;
        RegisterComponents();
    }

    /// <summary>Runs the level on <paramref name="h"/>, appending each skip to <paramref name="skips"/>; returns the level's output.</summary>
    public Tensor Forward(Tensor h, Tensor embedding, List<Tensor> skips)
    {
        for (int i = 0; i < blocks.Count; i++)
        {
            h = blocks[i].call(h, embedding);
            if (attns.Count > 0) h = attns[i].call(h);
            skips.Add(h);
        }
        if (downsample is not null)
        {
            h = downsample.call(h);
            skips.Add(h);
        }
        return h;
    }
}
