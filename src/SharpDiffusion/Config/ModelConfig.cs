namespace SharpDiffusion.Config;

/// <summary>The U-Net: its layout, widths, depth, attention (docs/model.md).</summary>
public sealed record ModelConfig
{
    /// <summary>Structure of the network: the DDPM paper's (default) or denoising-diffusion-pytorch 2.x's.</summary>
    public UNetLayout Layout { get; init; } = UNetLayout.Ddpm;

    /// <summary>Channels of the first level; level i has dim·dim_mults[i].</summary>
    public int Dim { get; init; } = 64;

    public IReadOnlyList<int> DimMults { get; init; } = [1, 2, 4, 8];

    /// <summary>Residual blocks per level on the way down. Going up: one more in the ddpm layout (for the downsampler's
    /// skip), the same number in the reference layout.</summary>
    public int ResBlocks { get; init; } = 2;

    /// <summary>Feature-map sides (in pixels) with full self-attention; the middle block always has it. ddpm layout: after
    /// each residual block of those levels, none elsewhere. reference layout: once per level, full at these sides and
    /// linear attention at every other level.</summary>
    public IReadOnlyList<int> AttentionResolutions { get; init; } = [16];

    public int Heads { get; init; } = 4;

    /// <summary>Channels per attention head.</summary>
    public int HeadDim { get; init; } = 32;

    /// <summary>GroupNorm groups (ddpm layout; the reference layout has no GroupNorm and does not use it).</summary>
    public int Groups { get; init; } = 8;

    public double Dropout { get; init; }

    /// <summary>Train with a class embedding (for classifier-free guidance). The class count comes from the data.</summary>
    public bool ClassConditional { get; init; }

    /// <summary>Number of classes; filled in from the data at training time when <see cref="ClassConditional"/>.</summary>
    public int NumClasses { get; init; }

    /// <summary>Probability that a label is replaced by the null class during training (classifier-free guidance).</summary>
    public double ClassDropout { get; init; } = 0.1;

    /// <summary>Makes the network a super-resolution stage conditioned on a low-resolution image (null: the base family).</summary>
    public SuperResolutionConfig? SuperResolution { get; init; }

    /// <summary>Makes the run an autoencoder (the first stage of latent diffusion) instead of a diffusion model; the U-Net keys above then do not apply.</summary>
    public AutoencoderConfig? Autoencoder { get; init; }

    /// <summary>Makes the run latent diffusion: the U-Net denoises an autoencoder's latents (null: pixel space).</summary>
    public LatentConfig? Latent { get; init; }
}
