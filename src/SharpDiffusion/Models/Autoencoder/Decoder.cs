using SharpDiffusion.Config;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models.Autoencoder;

/// <summary>
/// z [B, latent, H/f, W/f] → x̂ [B, C, H, W]: LDM's 1×1 post_quant_conv, conv_in, the middle stage, then from the lowest
/// level up res_blocks + 1 residual blocks and (except at the top) nearest-neighbour ×2 upsampling with a 3×3 convolution,
/// GroupNorm, SiLU and conv_out. No output activation: the loss pulls x̂ into [−1, 1].
/// </summary>
internal sealed class Decoder : Module<Tensor, Tensor>
{
    private readonly BlockAlignedConv2d post_quant_conv;
    private readonly BlockAlignedConv2d conv_in;
    private readonly MiddleStage middle;
    private readonly ModuleList<Module<Tensor, Tensor>> up;
    private readonly GroupNorm norm_out;
    private readonly BlockAlignedConv2d conv_out;

    public Decoder(AutoencoderConfig config, int channels) : base(nameof(Decoder))
    {
        var mults = config.LevelMults();
        long width = (long)config.Dim * mults[^1];
        post_quant_conv = new BlockAlignedConv2d(config.LatentChannels, config.LatentChannels, 1);
        conv_in = new BlockAlignedConv2d(config.LatentChannels, width, 3, padding: 1);
        middle = new MiddleStage(width, config.Groups, config.Attention);
        up = new ModuleList<Module<Tensor, Tensor>>();
        for (int level = mults.Count - 1; level >= 0; level--)
        {
            long levelWidth = (long)config.Dim * mults[level];
            for (int i = 0; i <= config.ResBlocks; i++)
            {
                up.Add(new ResidualBlock(width, levelWidth, config.Groups));
                width = levelWidth;
            }
            if (level > 0) up.Add(new Upsample(width));
        }
        norm_out = Norms.GroupNorm(config.Groups, width);
        conv_out = new BlockAlignedConv2d(width, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>conv_out's weight: the layer LDM's adaptive adversarial weight is measured at (its get_last_layer).</summary>
    internal Tensor LastLayerWeight => conv_out.weight!;

    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        var h = conv_in.call(post_quant_conv.call(z));
        h = middle.call(h);
        foreach (var layer in up) h = layer.call(h);
        return conv_out.call(functional.silu(norm_out.call(h))).MoveToOuterDisposeScope();
    }

    /// <summary>Nearest-neighbour ×2, then a 3×3 convolution (LDM's Upsample with_conv).</summary>
    private sealed class Upsample : Module<Tensor, Tensor>
    {
        private readonly BlockAlignedConv2d conv;

        public Upsample(long channels) : base(nameof(Upsample))
        {
            conv = new BlockAlignedConv2d(channels, channels, 3, padding: 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var doubled = functional.interpolate(x, scale_factor: [2.0, 2.0], mode: InterpolationMode.Nearest);
            return conv.call(doubled).MoveToOuterDisposeScope();
        }
    }
}
