namespace SharpDiffusion.Config;

/// <summary>The U-Net (Ho et al. 2020, as in denoising-diffusion-pytorch): widths, depth, attention.</summary>
public sealed record ModelConfig
{
    /// <summary>Channels of the first level; level i has dim·dim_mults[i].</summary>
    public int Dim { get; init; } = 64;

    public IReadOnlyList<int> DimMults { get; init; } = [1, 2, 4, 8];

    /// <summary>Residual blocks per level on the way down (the way up has one more, for the skip of the downsampler).</summary>
    public int ResBlocks { get; init; } = 2;

    /// <summary>Feature-map sides (in pixels) at which self-attention follows each residual block; the middle block always has it.</summary>
    public IReadOnlyList<int> AttentionResolutions { get; init; } = [16];

    public int Heads { get; init; } = 4;

    /// <summary>Channels per attention head.</summary>
    public int HeadDim { get; init; } = 32;

    /// <summary>GroupNorm groups.</summary>
    public int Groups { get; init; } = 8;

    public double Dropout { get; init; }

    /// <summary>Train with a class embedding (for classifier-free guidance). The class count comes from the data.</summary>
    public bool ClassConditional { get; init; }

    /// <summary>Number of classes; filled in from the data at training time when <see cref="ClassConditional"/>.</summary>
    public int NumClasses { get; init; }

    /// <summary>Probability that a label is replaced by the null class during training (classifier-free guidance).</summary>
    public double ClassDropout { get; init; } = 0.1;
}
