using SharpDiffusion.Config;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models.Autoencoder;

/// <summary>
/// The KL-regularised convolutional autoencoder of latent diffusion (Rombach et al. 2022, §3 and App. G, "KL-f"): images
/// [B, C, H, W] in [−1, 1] ↔ latents [B, latent_channels, H/f, W/f]. <see cref="Encode"/> gives q(z|x); <see cref="Decode"/>
/// maps a latent back. Latent diffusion trains on <c>Encode(x).Mean</c> (or a sample) and decodes its samples.
/// </summary>
public sealed class AutoencoderKL : Module<Tensor, Tensor>
{
    private readonly Encoder encoder;
    private readonly Decoder decoder;

    public AutoencoderKL(AutoencoderConfig config, int channels, int imageSize) : base(nameof(AutoencoderKL))
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Factor is not (2 or 4 or 8) || imageSize % config.Factor != 0)
            throw new ArgumentException($"model.autoencoder.factor ({config.Factor}) must be 2, 4 or 8 and divide the image size ({imageSize}).");
        Config = config;
        Channels = channels;
        ImageSize = imageSize;
        encoder = new Encoder(config, channels);
        decoder = new Decoder(config, channels);
        RegisterComponents();
    }

    public AutoencoderConfig Config { get; }

    /// <summary>Image channels (1 or 3).</summary>
    public int Channels { get; }

    /// <summary>Side of the images it was built for (the network is convolutional; other multiples of f work too).</summary>
    public int ImageSize { get; }

    /// <summary>Shape of one latent, [latent_channels, H/f, W/f].</summary>
    public long[] LatentShape => LatentShapeAt(ImageSize);

    /// <summary>Shape of the latent of one <paramref name="side"/>² image (a multiple of f).</summary>
    public long[] LatentShapeAt(int side) => [Config.LatentChannels, side / Config.Factor, side / Config.Factor];

    /// <summary>q(z|x) for images [B, C, H, W] in [−1, 1].</summary>
    public DiagonalGaussian Encode(Tensor images)
    {
        using var scope = NewDisposeScope();
        var moments = encoder.call(images);
        var posterior = new DiagonalGaussian(moments);
        posterior.Mean.MoveToOuterDisposeScope();
        posterior.LogVariance.MoveToOuterDisposeScope();
        return posterior;
    }

    /// <summary>Images [B, C, H, W] (unclamped, nominally [−1, 1]) from latents [B, latent_channels, H/f, W/f].</summary>
    public Tensor Decode(Tensor latents) => decoder.call(latents);

    /// <summary>The weight of the decoder's last convolution (where <see cref="AdversarialLoss.AdaptiveWeight"/> compares gradients).</summary>
    public Tensor LastLayerWeight => decoder.LastLayerWeight;

    /// <summary>The deterministic reconstruction Decode(μ(x)), as evaluation and the sample grids use it.</summary>
    public override Tensor forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var posterior = Encode(images);
        return Decode(posterior.Mean).MoveToOuterDisposeScope();
    }
}
