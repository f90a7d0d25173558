using SharpDiffusion.Config;
using SharpDiffusion.Training;

namespace SharpDiffusion.Latent;

/// <summary>
/// Resolves model.latent when a latent run starts: the autoencoder run folder becomes its checkpoint's absolute path, and its
/// hash, f and latent channels are recorded (<see cref="LatentConfig"/>). A run resumed later, or sampled, refuses an
/// autoencoder whose hash or shape differs from what was recorded.
/// </summary>
public static class LatentSetup
{
    /// <summary>The config with model.latent resolved for data of this many channels and this side; unchanged for other families.</summary>
    public static RunConfig Resolve(RunConfig config, int channels, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Model.Latent is not { } latent) return config;
        const string key = "model.latent.autoencoder";
        string checkpoint = CheckpointOf(latent.Autoencoder, key);
        CheckpointMetadata metadata;
        try
        {
            metadata = CheckpointFile.ReadMetadata(checkpoint);
        }
        catch (CheckpointException e)
        {
            throw new ConfigException($"{key}: {e.Message}");
        }
        if (metadata.Family != ModelFamily.Autoencoder || metadata.Config.Model.Autoencoder is not { } ae)
            throw new ConfigException($"{key}: {checkpoint} is a {metadata.Family} diffusion model, not an autoencoder; train one first (ddpm train --config configs/shapes-autoencoder.json) and name its run.");
        if (metadata.Channels != channels)
            throw new ConfigException($"{key}: the autoencoder was trained on {metadata.Channels}-channel images but data.channels is {channels}; train it on the same data.");
        if (imageSize % ae.Factor != 0)
            throw new ConfigException($"{key}: the autoencoder's factor f = {ae.Factor} does not divide data.image_size ({imageSize}); use an image size that is a multiple of {ae.Factor}.");
        int side = imageSize / ae.Factor, downsamplings = config.Model.DimMults.Count - 1;
        if (side % (1 << Math.Min(downsamplings, 30)) != 0)
            throw new ConfigException($"{key}: the latents are {side}×{side} (data.image_size / f), which the U-Net's {config.Model.DimMults.Count} levels cannot halve {downsamplings} times; use fewer model.dim_mults.");
        string hash = CheckpointFile.ContentHash(checkpoint);
        var resolved = latent with { Autoencoder = checkpoint, AutoencoderSha256 = hash, Factor = ae.Factor, LatentChannels = ae.LatentChannels };
        ThrowIfDifferent(latent, metadata, hash, key);
        return config with { Model = config.Model with { Latent = resolved } };
    }

    /// <summary>Refuses an autoencoder whose hash or latent shape differs from the ones <paramref name="recorded"/> (fields left null are not checked).</summary>
    public static void ThrowIfDifferent(LatentConfig recorded, CheckpointMetadata autoencoder, string hash, string origin)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(autoencoder);
        var ae = autoencoder.Config.Model.Autoencoder ?? throw new CheckpointException($"{origin}: {recorded.Autoencoder} is not an autoencoder.");
        if ((recorded.Factor is int f && f != ae.Factor) || (recorded.LatentChannels is int c && c != ae.LatentChannels))
            throw new CheckpointException(
                $"{origin}: the autoencoder {recorded.Autoencoder} makes latents of {ae.LatentChannels} channels at 1/{ae.Factor}, but this latent run was trained on " +
                $"{recorded.LatentChannels} channels at 1/{recorded.Factor}; use the autoencoder it was trained with, or train a new latent run.");
        if (recorded.AutoencoderSha256 is string expected && !string.Equals(expected, hash, StringComparison.OrdinalIgnoreCase))
            throw new CheckpointException(
                $"{origin}: the autoencoder {recorded.Autoencoder} has changed (sha256 {hash[..12]}…, the run recorded {expected[..Math.Min(12, expected.Length)]}…); " +
                "use the checkpoint this latent run was trained with, or train a new latent run on this one.");
    }

    /// <summary>A .ckpt file as is; a run folder's latest checkpoint; absolute.</summary>
    private static string CheckpointOf(string path, string key)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ConfigException($"{key} must name the autoencoder's run folder or checkpoint (e.g. runs/shapes-ae).");
        if (File.Exists(path)) return Path.GetFullPath(path);
        if (!Directory.Exists(path))
            throw new ConfigException($"{key}: {path} does not exist; train the autoencoder first (ddpm train --config configs/shapes-autoencoder.json --out {path}) or give its run folder.");
        return new RunDirectory(path).LatestCheckpoint()
            ?? throw new ConfigException($"{key}: {path} holds no checkpoint; train the autoencoder there first (ddpm train --config configs/shapes-autoencoder.json --out {path}).");
    }
}
