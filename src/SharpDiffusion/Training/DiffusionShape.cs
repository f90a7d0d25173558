using SharpDiffusion.Config;

namespace SharpDiffusion.Training;

/// <summary>What the U-Net of a diffusion config denoises: the images themselves, or (model.latent) the autoencoder's latents.</summary>
public static class DiffusionShape
{
    /// <summary>Channels and side of x_t for images of <paramref name="channels"/> × <paramref name="imageSize"/>²; a latent config must be resolved (<see cref="Latent.LatentSetup"/>).</summary>
    public static (int Channels, int Size) Of(RunConfig config, int channels, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Model.Latent is not { } latent) return (channels, imageSize);
        if (latent.Factor is not int factor || latent.LatentChannels is not int latentChannels)
            throw new ArgumentException("model.latent has not been resolved against its autoencoder (factor and latent channels unknown).");
        return (latentChannels, imageSize / factor);
    }
}
