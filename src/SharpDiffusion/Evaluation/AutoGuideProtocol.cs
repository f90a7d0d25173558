using System.Globalization;
using SharpDiffusion.Training;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Autoguidance in an evaluation (<see cref="Sampling.AutoGuidance"/>): the guide's checkpoint, its content hash (what the
/// settings key and the entry record, so a retrained guide is a new evaluation) and the weight w.
/// </summary>
public sealed record AutoGuideProtocol(string Checkpoint, string Sha256, double Weight)
{
    /// <summary>The guide of a run folder (its latest checkpoint) or a checkpoint file, hashed.</summary>
    public static AutoGuideProtocol Open(string path, double weight)
    {
        ArgumentNullException.ThrowIfNull(path);
        string checkpoint = Directory.Exists(path)
            ? new RunDirectory(path).LatestCheckpoint() ?? throw new EvaluationException($"--guide {path} has no checkpoint yet; train it first.")
            : File.Exists(path) ? Path.GetFullPath(path) : throw new EvaluationException($"--guide {path} is neither a run folder nor a checkpoint; pass the --out folder of a ddpm train run.");
        return new AutoGuideProtocol(checkpoint, CheckpointFile.ContentHash(checkpoint), weight);
    }

    [System.Text.Json.Serialization.JsonIgnore]
    public string SettingsKey => string.Create(CultureInfo.InvariantCulture, $"guide={Sha256[..Math.Min(16, Sha256.Length)]},w={Weight}");

    /// <summary>
    /// The one-sentence reason the guide cannot steer a model of <paramref name="main"/>, from the checkpoints' headers alone:
    /// the same image size, channels and family, the same classes, the same autoencoder for latents; null when they fit.
    /// </summary>
    public string? Mismatch(CheckpointMetadata main)
    {
        ArgumentNullException.ThrowIfNull(main);
        var guide = CheckpointFile.ReadMetadata(Checkpoint);
        if (guide.Family != main.Family) return $"--guide {Checkpoint} is a {guide.Family} model and the run a {main.Family} one; guide a model with one of its own kind";
        if (guide.ImageSize != main.ImageSize || guide.Channels != main.Channels)
            return $"--guide {Checkpoint} makes {guide.ImageSize}×{guide.ImageSize}×{guide.Channels} images and the run {main.ImageSize}×{main.ImageSize}×{main.Channels}; train the guide on the same data";
        if (guide.Config.Model.ClassConditional != main.Config.Model.ClassConditional || (main.Config.Model.ClassConditional && guide.Config.Model.NumClasses != main.Config.Model.NumClasses))
            return $"--guide {Checkpoint} is conditioned otherwise than the run (classes); a guide is conditioned as its model is";
        if (guide.Config.Model.Latent?.AutoencoderSha256 != main.Config.Model.Latent?.AutoencoderSha256)
            return $"--guide {Checkpoint} denoises the latents of another autoencoder; train the guide on the run's";
        return null;
    }
}
