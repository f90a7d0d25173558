namespace SharpDiffusion.Config;

/// <summary>
/// The super-resolution family (SR3, Saharia et al. 2021; Cascaded Diffusion Models, Ho et al. 2021): the network makes
/// data.image_size × data.image_size images from input_size × input_size ones (model.super_resolution; absent for the
/// pixel-space base family).
/// </summary>
public sealed record SuperResolutionConfig
{
    /// <summary>Side of the low-resolution input in pixels; data.image_size (the output side) must be a multiple of it.</summary>
    public int InputSize { get; init; } = 64;

    /// <summary>How the low-resolution image is brought to the output size before it is concatenated to x_t.</summary>
    public UpscaleInterpolation Upsample { get; init; } = UpscaleInterpolation.Bicubic;

    /// <summary>s_max: training draws the noise-conditioning augmentation level s uniformly from [0, s_max] (CDM §3).</summary>
    public double AugmentationMax { get; init; } = 0.5;

    /// <summary>The level s every sample gets at sampling time (ddpm sample/upscale --aug-level overrides it).</summary>
    public double AugmentationLevel { get; init; } = 0.2;

    /// <summary>Probability that a training sample's low-resolution image is dropped (the unconditional form, for guidance).</summary>
    public double ConditionDropout { get; init; } = 0.1;

    /// <summary>
    /// Blur conditioning augmentation (CDM §3): in training each low-resolution image is blurred with a Gaussian of σ drawn
    /// uniformly from [0, blur_sigma_max] (in low-resolution pixels) before it is noised; 0 turns it off (the default).
    /// Sampling never blurs.
    /// </summary>
    public double BlurSigmaMax { get; init; }

    /// <summary>Train on random crops of this side of the high-resolution image (0: the whole image); the U-Net is fully convolutional.</summary>
    public int CropSize { get; init; }
}
