namespace SharpDiffusion.Config;

/// <summary>
/// Latent diffusion (model.latent; absent for pixel-space runs): the U-Net denoises the latents of a trained autoencoder
/// (Rombach et al. 2022) instead of pixels. The fields after <see cref="Autoencoder"/> are filled in when training starts
/// (<see cref="Latent.LatentSetup"/>) and recorded in the run's config and checkpoints, so the run keeps refusing another
/// autoencoder later; a user config leaves them out.
/// </summary>
public sealed record LatentConfig
{
    /// <summary>The autoencoder: a run folder (its latest checkpoint) or a .ckpt file. Resolved to the checkpoint's absolute path.</summary>
    public string Autoencoder { get; init; } = "";

    /// <summary>The autoencoder checkpoint's content hash (<see cref="Training.CheckpointFile.ContentHash"/>); filled in.</summary>
    public string? AutoencoderSha256 { get; init; }

    /// <summary>The autoencoder's downsampling factor f; filled in. The U-Net works at data.image_size / f.</summary>
    public int? Factor { get; init; }

    /// <summary>Channels of the latent, the U-Net's input and output; filled in.</summary>
    public int? LatentChannels { get; init; }

    /// <summary>
    /// Latents are multiplied by this before diffusion and divided by it before decoding. Null: 1 / std of the encoded training
    /// latents (CompVis's scale_by_std), measured once and filled in; give a number (LDM's KL-f8 uses 0.18215) to fix it.
    /// </summary>
    public double? ScaleFactor { get; init; }
}
