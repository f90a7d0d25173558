using SharpDiffusion.Config;
using SharpDiffusion.Data;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>The registry of training objectives: one per <see cref="ModelFamily"/>.</summary>
public static class TrainingObjectives
{
    /// <param name="latent">A latent run's encoded training set (its space decodes the sample grids); null for the other families.</param>
    public static ITrainingObjective Create(RunConfig config, ImageDataset data, Device device, Latent.LatentTrainingSet? latent = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        return ModelFamily.Of(config.Model) switch
        {
            ModelFamily.Autoencoder => new AutoencoderObjective(config, data, device),
            ModelFamily.Latent => new DiffusionObjective(config, data, latent?.Space ?? throw new ArgumentException("a latent run needs its encoded training set.", nameof(latent)), device),
            _ => new DiffusionObjective(config, data, Sampling.PixelSpace.Instance, device),
        };
    }
}
