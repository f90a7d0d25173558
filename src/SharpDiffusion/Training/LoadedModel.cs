using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>A network rebuilt from a checkpoint's own config, for sampling and evaluation (nobody retypes hyperparameters).</summary>
public sealed record LoadedModel(UNet Model, CheckpointMetadata Metadata)
{
    /// <param name="useEma">Return the EMA weights (the default for sampling) instead of the trained ones.</param>
    public static LoadedModel Load(string checkpoint, Device device, bool useEma = true)
    {
        var metadata = CheckpointFile.ReadMetadata(checkpoint);
        var model = ModelFactory.Create(metadata.Config, metadata.Channels, metadata.ImageSize, device);
        using var ema = ModelFactory.Create(metadata.Config, metadata.Channels, metadata.ImageSize, device);
        CheckpointFile.Load(checkpoint, new CheckpointFile.State(model, ema, Optimizer: null, Generator: null));
        if (useEma) ExponentialMovingAverage.CopyWeights(ema, model);
        model.eval();
        return new LoadedModel(model, metadata);
    }
}
