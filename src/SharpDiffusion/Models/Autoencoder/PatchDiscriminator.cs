using SharpDiffusion.Config;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models.Autoencoder;

/// <summary>
/// The PatchGAN discriminator of LDM's first stage (Isola et al. 2017, as taming-transformers' NLayerDiscriminator): images
/// [B, C, H, W] → one logit per overlapping patch, [B, 1, h, w] (<see cref="PatchSide"/>). Layout: 4×4 stride-2 convolution +
/// LeakyReLU(0.2); n_layers − 1 more 4×4 stride-2 convolutions, each doubling the width (at most 8× dim), with a norm and
/// LeakyReLU; one 4×4 stride-1 convolution with norm and LeakyReLU; a 4×4 stride-1 convolution to one channel. All padding 1.
/// Weights are drawn as taming's weights_init does: convolutions N(0, 0.02), norm scales N(1, 0.02) with shifts 0; the two
/// convolutions without a norm keep their default biases, the others have none (the norm's shift replaces them).
/// </summary>
/// <remarks>
/// The norm is GroupNorm, not taming's BatchNorm. BatchNorm normalises each layer over the batch, so a patch's logit depends
/// on the other images in the batch: with the tiny CPU batches (4 to 16 images, 2×2 to 6×6 patches at 32–64 px) those
/// statistics are noise, and real and reconstructed batches, which taming passes through separately, are each normalised to
/// the same statistics. BatchNorm also keeps running statistics that a checkpoint would have to carry for an exact resume and
/// that nothing here uses (the discriminator never runs in eval mode). GroupNorm judges each image on its own, the same at any
/// batch size and in train or eval mode, and its state is its parameters. It comes from <see cref="Norms.GroupNorm"/> (TorchSharp
/// leaves GroupNorm's parameters uninitialised, PLATFORM.md) with gcd(32, 2·dim) groups: LDM's 32 whenever 2·dim allows, and
/// a divisor of every normalised width (2, 4 and 8 × dim) always.
/// </remarks>
public sealed class PatchDiscriminator : Module<Tensor, Tensor>
{
    private const int Kernel = 4;
    private const int Padding = 1;
    private const double Slope = 0.2;
    private readonly ModuleList<Module<Tensor, Tensor>> main;

    public PatchDiscriminator(AutoencoderConfig config, int channels) : base(nameof(PatchDiscriminator))
    {
        ArgumentNullException.ThrowIfNull(config);
        int layers = config.DiscriminatorLayers;
        long dim = config.DiscriminatorDim;
        int groups = GroupCount(config.DiscriminatorDim);
        main = new ModuleList<Module<Tensor, Tensor>>();
        main.Add(Conv(channels, dim, stride: 2, bias: true));
        main.Add(LeakyReLU(Slope));
        long width = dim;
        for (int n = 1; n <= layers; n++)
        {
            // The first n_layers − 1 of these halve the side; the last keeps it (taming's extra stride-1 block).
            long next = dim * Math.Min(1 << n, 8);
            main.Add(Conv(width, next, stride: n < layers ? 2 : 1, bias: false));
            main.Add(Norm(groups, next));
            main.Add(LeakyReLU(Slope));
            width = next;
        }
        main.Add(Conv(width, 1, stride: 1, bias: true));
        RegisterComponents();
    }

    /// <summary>Side of the logit map for a <paramref name="imageSize"/>² input: each layer's ⌊(s + 2·1 − 4)/stride⌋ + 1; ≤ 0: no patch.</summary>
    public static int PatchSide(int imageSize, int layers)
    {
        int side = imageSize;
        for (int n = 0; n < layers; n++) side = ConvSide(side, stride: 2);
        return ConvSide(ConvSide(side, stride: 1), stride: 1);
    }

    /// <summary>The GroupNorm group count for a discriminator of width <paramref name="dim"/>: gcd(32, 2·dim).</summary>
    public static int GroupCount(int dim) => (int)System.Numerics.BigInteger.GreatestCommonDivisor(32, 2 * (long)dim);

    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var h = images;
        foreach (var layer in main) h = layer.call(h);
        return h.MoveToOuterDisposeScope();
    }

    private static int ConvSide(int side, int stride) => side + 2 * Padding < Kernel ? 0 : (side + 2 * Padding - Kernel) / stride + 1;

    private static BlockAlignedConv2d Conv(long inChannels, long outChannels, int stride, bool bias)
    {
        var conv = new BlockAlignedConv2d(inChannels, outChannels, Kernel, stride: stride, padding: Padding, bias: bias);
        using (no_grad()) init.normal_(conv.weight!, 0.0, 0.02);
        return conv;
    }

    private static GroupNorm Norm(int groups, long channels)
    {
        var norm = Norms.GroupNorm(groups, channels);
        using (no_grad()) init.normal_(norm.weight!, 1.0, 0.02);
        return norm;
    }
}
