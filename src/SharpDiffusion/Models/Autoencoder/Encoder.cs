using SharpDiffusion.Config;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models.Autoencoder;

/// <summary>
/// x [B, C, H, W] → the moments [B, 2·latent, H/f, W/f] of q(z|x) (mean, then log-variance): conv_in, per level res_blocks
/// residual blocks and (except at the last level) a stride-2 3×3 convolution, the middle stage, GroupNorm, SiLU, conv_out
/// and LDM's 1×1 quant_conv.
/// </summary>
internal sealed class Encoder : Module<Tensor, Tensor>
{
    private readonly BlockAlignedConv2d conv_in;
    private readonly ModuleList<Module<Tensor, Tensor>> down;
    private readonly MiddleStage middle;
    private readonly GroupNorm norm_out;
    private readonly BlockAlignedConv2d conv_out;
    private readonly BlockAlignedConv2d quant_conv;

    public Encoder(AutoencoderConfig config, int channels) : base(nameof(Encoder))
    {
        var mults = config.LevelMults();
        long width = config.Dim;
        conv_in = new BlockAlignedConv2d(channels, width, 3, padding: 1);
        down = new ModuleList<Module<Tensor, Tensor>>();
        for (int level = 0; level < mults.Count; level++)
        {
            long levelWidth = (long)config.Dim * mults[level];
            for (int i = 0; i < config.ResBlocks; i++)
            {
                down.Add(new ResidualBlock(width, levelWidth, config.Groups));
                width = levelWidth;
            }
            if (level < mults.Count - 1) down.Add(new BlockAlignedConv2d(width, width, 3, stride: 2, padding: 1));
        }
        middle = new MiddleStage(width, config.Groups, config.Attention);
        norm_out = Norms.GroupNorm(config.Groups, width);
        conv_out = new BlockAlignedConv2d(width, 2L * config.LatentChannels, 3, padding: 1);
        quant_conv = new BlockAlignedConv2d(2L * config.LatentChannels, 2L * config.LatentChannels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.call(x);
        foreach (var layer in down) h = layer.call(h);
        h = middle.call(h);
        h = conv_out.call(functional.silu(norm_out.call(h)));
        return quant_conv.call(h).MoveToOuterDisposeScope();
    }
}
