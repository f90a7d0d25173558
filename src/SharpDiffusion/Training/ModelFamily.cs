using SharpDiffusion.Config;

namespace SharpDiffusion.Training;

/// <summary>The names a checkpoint records for its model family.</summary>
public static class ModelFamily
{
    /// <summary>Pixel-space images from noise, conditioned on nothing or on classes.</summary>
    public const string Base = "pixel";

    /// <summary>The families that make images from noise alone (a cascade's first stage): pixel and latent.</summary>
    public static bool SamplesFromNoise(string family) => family is Base or Latent;

    /// <summary>A super-resolution stage conditioned on a low-resolution image (model.super_resolution).</summary>
    public const string SuperResolution = "super-resolution";

    /// <summary>The first stage of latent diffusion: an image ↔ latent autoencoder (model.autoencoder), not a diffusion model.</summary>
    public const string Autoencoder = "autoencoder";

    /// <summary>Latent diffusion: images from noise in an autoencoder's latent space (model.latent), decoded at the end of sampling.</summary>
    public const string Latent = "latent";

    public static string Of(ModelConfig model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Autoencoder is not null) return Autoencoder;
        if (model.Latent is not null) return Latent;
        return model.SuperResolution is null ? Base : SuperResolution;
    }
}
