using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// A network rebuilt from a checkpoint's own config, for sampling and evaluation (nobody retypes hyperparameters), with the
/// space its samples live in: pixels, or a latent run's autoencoder (<see cref="Latent.LatentSpace"/>), which this owns.
/// </summary>
public sealed record LoadedModel(UNet Model, CheckpointMetadata Metadata) : IDisposable
{
    /// <summary>Where the samples live; pass it to <see cref="ImageGenerator.Generate"/> to get images.</summary>
    public ISampleSpace Space { get; init; } = PixelSpace.Instance;

    /// <param name="useEma">Return the EMA weights (the default for sampling) instead of the trained ones.</param>
    public static LoadedModel Load(string checkpoint, Device device, bool useEma = true)
    {
        var metadata = CheckpointFile.ReadMetadata(checkpoint);
        if (metadata.Family == ModelFamily.Autoencoder)
            throw new CheckpointException($"checkpoint {checkpoint} is an autoencoder, not a diffusion model; evaluate its reconstructions with ddpm eval, or train a diffusion model to sample from.");
        // A latent model's autoencoder is checked (present, same hash and shape) before the network is built.
        var space = metadata.Config.Model.Latent is { } latent ? Latent.LatentSpace.Open(latent, $"checkpoint {checkpoint}", device) : (ISampleSpace)PixelSpace.Instance;
        try
        {
            var model = Build(checkpoint, metadata, device);
            using var ema = Build(checkpoint, metadata, device);
            CheckpointFile.Load(checkpoint, new CheckpointFile.State(model, ema, Optimizer: null, Generator: null));
            if (useEma) ExponentialMovingAverage.CopyWeights(ema, model);
            model.eval();
            return new LoadedModel(model, metadata) { Space = space };
        }
        catch
        {
            space.Dispose();
            throw;
        }
    }

    /// <summary>The header passed its checksum, yet may still describe no buildable model (written by a tool that lies, or a bug).</summary>
    private static UNet Build(string checkpoint, CheckpointMetadata metadata, Device device)
    {
        try
        {
            var (channels, size) = DiffusionShape.Of(metadata.Config, metadata.Channels, metadata.ImageSize);
            return ModelFactory.Create(metadata.Config, channels, size, device);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"checkpoint {checkpoint} describes a model that cannot be built ({e.Message.Split('\n', 2)[0].Trim()}); use another checkpoint of the run.");
        }
    }

    public void Dispose()
    {
        Model.Dispose();
        Space.Dispose();
    }
}
