using static TorchSharp.torch;

namespace SharpDiffusion.Models;

public static class ParameterCount
{
    /// <summary>Number of trainable scalars (parameters with <c>requires_grad</c>) in <paramref name="module"/>.</summary>
    public static long Of(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        long total = 0;
        foreach (var parameter in module.parameters())
            if (parameter.requires_grad) total += parameter.numel();
        return total;
    }

    /// <summary>
    /// Trainable scalars of the network <paramref name="model"/> describes for C×size×size images: the autoencoder when
    /// model.autoencoder is set, else the U-Net (of a resolved model.latent: at the latent shape; the frozen autoencoder is not counted),
    /// with its augmentation-label layer when <paramref name="augment"/> (data.augment) is given.
    /// </summary>
    public static long Of(Config.ModelConfig model, int channels, int size, Config.AugmentConfig? augment = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Latent is { } latent)
            (channels, size) = (latent.LatentChannels ?? throw new ArgumentException("model.latent is not resolved"), size / (latent.Factor ?? 1));
        using nn.Module network = model.Autoencoder is { } autoencoder ? new Autoencoder.AutoencoderKL(autoencoder, channels, size) : new UNet(model, channels, size, augment);
        return Of(network);
    }
}
