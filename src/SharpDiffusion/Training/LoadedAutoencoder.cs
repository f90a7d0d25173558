using SharpDiffusion.Models.Autoencoder;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// An autoencoder rebuilt from its checkpoint (EMA weights by default), with what a latent-diffusion run must record to
/// refuse another one later: the checkpoint's <see cref="ContentHash"/>, f, the latent shape and the image size and channels.
/// </summary>
public sealed record LoadedAutoencoder(AutoencoderKL Model, CheckpointMetadata Metadata, string ContentHash) : IDisposable
{
    public int Factor => Model.Config.Factor;

    /// <summary>[latent_channels, H/f, W/f].</summary>
    public long[] LatentShape => Model.LatentShape;

    public static LoadedAutoencoder Load(string checkpoint, Device device, bool useEma = true)
    {
        var metadata = CheckpointFile.ReadMetadata(checkpoint);
        if (metadata.Family != ModelFamily.Autoencoder || metadata.Config.Model.Autoencoder is null)
            throw new CheckpointException($"checkpoint {checkpoint} is a {metadata.Family} diffusion model, not an autoencoder; pass a checkpoint of a run trained with model.autoencoder.");
        var model = Build(checkpoint, metadata, device);
        using var ema = Build(checkpoint, metadata, device);
        CheckpointFile.Load(checkpoint, new CheckpointFile.State(model, ema, Optimizer: null, Generator: null));
        if (useEma) ExponentialMovingAverage.CopyWeights(ema, model);
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        return new LoadedAutoencoder(model, metadata, CheckpointFile.ContentHash(checkpoint));
    }

    private static AutoencoderKL Build(string checkpoint, CheckpointMetadata metadata, Device device)
    {
        try
        {
            return ModelFactory.CreateAutoencoder(metadata.Config, metadata.Channels, metadata.ImageSize, device);
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"checkpoint {checkpoint} describes an autoencoder that cannot be built ({e.Message.Split('\n', 2)[0].Trim()}); use another checkpoint of the run.");
        }
    }

    public void Dispose() => Model.Dispose();
}
