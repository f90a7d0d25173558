using SharpDiffusion.Config;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Latent;

/// <summary>
/// An autoencoder's latent space as a diffusion model sees it (Rombach et al. 2022): x₀ = s · μ(x) for an image x, with s the
/// run's <see cref="LatentConfig.ScaleFactor"/> (unit variance on the training latents), and images = D(x₀ / s). Latents have
/// no [−1, 1] range, so x̂₀ is never clipped while sampling; the decoded images are clamped to [−1, 1] at the end.
/// </summary>
public sealed class LatentSpace : ISampleSpace
{
    public LatentSpace(LoadedAutoencoder autoencoder, double scaleFactor)
    {
        ArgumentNullException.ThrowIfNull(autoencoder);
        if (!(scaleFactor > 0) || !double.IsFinite(scaleFactor))
            throw new ArgumentException($"a latent scale factor must be a positive finite number, not {scaleFactor}.", nameof(scaleFactor));
        Autoencoder = autoencoder;
        ScaleFactor = scaleFactor;
    }

    public LoadedAutoencoder Autoencoder { get; }

    public double ScaleFactor { get; }

    public bool Clips => false;

    /// <summary>Scaled latents s · μ(x) of images [B, C, H, W] in [−1, 1] (the posterior mean: deterministic, so it can be cached).</summary>
    public Tensor ToLatents(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var posterior = Autoencoder.Model.Encode(images);
        return Scaled.By(posterior.Mean, ScaleFactor).MoveToOuterDisposeScope();
    }

    public Tensor ToImages(Tensor samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = Autoencoder.Model.Decode(Scaled.By(samples, 1.0 / ScaleFactor));
        return images.clamp(Scaled.MinusOne, Scaled.One).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The latent space of a trained latent run, from its resolved config: the autoencoder checkpoint it recorded (EMA weights), refused
    /// when it is missing or when its hash or latent shape differ from the recorded ones.
    /// </summary>
    /// <param name="origin">What holds the config (a checkpoint path), for messages.</param>
    public static LatentSpace Open(LatentConfig latent, string origin, Device device)
    {
        ArgumentNullException.ThrowIfNull(latent);
        if (latent.AutoencoderSha256 is null || latent.ScaleFactor is null || latent.Factor is null || latent.LatentChannels is null)
            throw new CheckpointException($"{origin} is a latent model whose model.latent was never resolved (no autoencoder hash or scale factor); it was not written by ddpm train.");
        if (!File.Exists(latent.Autoencoder))
            throw new CheckpointException($"{origin} is a latent model and needs its autoencoder checkpoint {latent.Autoencoder}, which is missing; put that file back (sha256 {latent.AutoencoderSha256[..12]}…).");
        var autoencoder = LoadedAutoencoder.Load(latent.Autoencoder, device); // its EMA weights, as the latents were encoded with
        try
        {
            LatentSetup.ThrowIfDifferent(latent, autoencoder.Metadata, autoencoder.ContentHash, origin);
            return new LatentSpace(autoencoder, latent.ScaleFactor.Value);
        }
        catch
        {
            autoencoder.Dispose();
            throw;
        }
    }

    public void Dispose() => Autoencoder.Dispose();
}
