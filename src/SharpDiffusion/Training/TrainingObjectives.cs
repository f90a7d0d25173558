using SharpDiffusion.Config;
using SharpDiffusion.Data;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>The registry of training objectives: one per <see cref="ModelFamily"/>.</summary>
public static class TrainingObjectives
{
    public static ITrainingObjective Create(RunConfig config, ImageDataset data, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        return ModelFamily.Of(config.Model) == ModelFamily.Autoencoder
            ? new AutoencoderObjective(config, data, device)
            : new DiffusionObjective(config, data, device);
    }
}
