using SharpDiffusion.Config;
using SharpDiffusion.Runtime;

namespace SharpDiffusion.Training;

/// <summary>The readable header of a checkpoint: enough to rebuild the model and know where training stood.</summary>
public sealed record CheckpointMetadata
{
    public int FormatVersion { get; init; } = CheckpointFile.FormatVersion;

    /// <summary>Optimizer steps completed.</summary>
    public int Step { get; init; }

    /// <summary>The resolved config (with model.num_classes filled from the data).</summary>
    public required RunConfig Config { get; init; }

    public IReadOnlyList<string> ClassNames { get; init; } = [];

    public string DatasetHash { get; init; } = "";

    public int Channels { get; init; }

    /// <summary>Side of the images the network makes (a super-resolution stage's output; its input side is in Config.Model.SuperResolution with the augmentation settings).</summary>
    public int ImageSize { get; init; }

    /// <summary>The model family (<see cref="ModelFamily"/>); checkpoints written before families existed read as the base family.</summary>
    public string Family { get; init; } = ModelFamily.Base;

    public DateTimeOffset CreatedUtc { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Training seconds up to this step (carried across resumes).</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>What wrote the checkpoint; null in checkpoints written before it was recorded.</summary>
    public SoftwareVersions? Software { get; init; }

    /// <summary>
    /// What the checkpoints of a run of this resolved config will record about its images and family, before it is trained:
    /// for the checks that <c>ddpm slurm</c> and <c>ddpm sweep</c> make on configs (a cascade's pair, the evaluation's options).
    /// </summary>
    public static CheckpointMetadata Planned(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new() { Config = config, ImageSize = config.Data.ImageSize, Channels = config.Data.Channels, Family = ModelFamily.Of(config.Model) };
    }
}
