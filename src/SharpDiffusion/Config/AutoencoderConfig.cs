namespace SharpDiffusion.Config;

/// <summary>
/// The autoencoder family (model.autoencoder; absent for diffusion families): a convolutional KL-regularised autoencoder
/// (Rombach et al. 2022, "KL-f4/f8") that maps data.image_size² × C images to (image_size/f)² × latent_channels latents and
/// back. model.dim_mults, attention and the other U-Net keys do not apply to it.
/// </summary>
public sealed record AutoencoderConfig
{
    /// <summary>f: the side of the latent is data.image_size / f; one of 2, 4, 8 (log₂ f downsamplings).</summary>
    public int Factor { get; init; } = 4;

    /// <summary>Channels of the latent z.</summary>
    public int LatentChannels { get; init; } = 4;

    /// <summary>Channels of the first level; level i has dim · dim_mults[i].</summary>
    public int Dim { get; init; } = 64;

    /// <summary>Width multipliers, one per level (log₂ f + 1 of them); null: 1, 2, 4, 4, … (LDM's KL-f4 uses 1, 2, 4).</summary>
    public IReadOnlyList<int>? DimMults { get; init; }

    /// <summary>Residual blocks per level in the encoder; the decoder has one more per level (LDM's layout).</summary>
    public int ResBlocks { get; init; } = 2;

    /// <summary>GroupNorm groups; must divide every level's width.</summary>
    public int Groups { get; init; } = 8;

    /// <summary>Single-head self-attention in the middle blocks (the lowest resolution), as LDM's encoder and decoder have it.</summary>
    public bool Attention { get; init; }

    public ReconstructionLoss Reconstruction { get; init; } = ReconstructionLoss.L1;

    /// <summary>Weight of the ResNet-18 feature distance (Models/Autoencoder/PerceptualDistance; 0: off).</summary>
    public double PerceptualWeight { get; init; } = 1.0;

    /// <summary>Weight of KL(q(z|x) ‖ N(0, I)) relative to the per-pixel reconstruction sum (LDM's kl_weight).</summary>
    public double KlWeight { get; init; } = 1e-6;

    /// <summary>
    /// Weight of the adversarial term after LDM's adaptive weight (LDM's discriminator_weight; 0: no discriminator at all, LDM
    /// uses 0.5). See Models/Autoencoder/PatchDiscriminator and docs/autoencoder.md.
    /// </summary>
    public double DiscriminatorWeight { get; init; }

    /// <summary>
    /// Steps trained without the discriminator (LDM's disc_start, 50001 in its KL configs): neither it nor the generator's
    /// adversarial term runs before step discriminator_start + 1 (taming's adopt_weight on the 0-based global step).
    /// </summary>
    public int DiscriminatorStart { get; init; } = 50001;

    /// <summary>Stride-2 convolutions of the PatchGAN discriminator (taming's n_layers); more layers see larger patches.</summary>
    public int DiscriminatorLayers { get; init; } = 3;

    /// <summary>Channels of the discriminator's first convolution (taming's ndf); each further layer doubles them, up to 8×.</summary>
    public int DiscriminatorDim { get; init; } = 64;

    /// <summary>The width multipliers in use: <see cref="DimMults"/>, or the default for <see cref="Factor"/>.</summary>
    public IReadOnlyList<int> LevelMults() => DimMults ?? DefaultMults(Factor);

    private static int[] DefaultMults(int factor)
    {
        int levels = factor is 2 or 4 or 8 ? System.Numerics.BitOperations.Log2((uint)factor) + 1 : 1;
        return Enumerable.Range(0, levels).Select(i => Math.Min(1 << i, 4)).ToArray();
    }
}
