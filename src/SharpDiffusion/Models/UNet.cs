using SharpDiffusion.Config;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// The ε-prediction U-Net. <see cref="ModelConfig.Layout"/> picks its structure: <see cref="UNetLayout.Ddpm"/> (Ho et al.
/// 2020; <see cref="DdpmNetwork"/>) or <see cref="UNetLayout.Reference"/> (denoising-diffusion-pytorch 2.x's <c>Unet</c>;
/// <see cref="ReferenceNetwork"/>). Parameter names of both are documented in docs/model.md. It is the pixel-space family:
/// it denoises images in [−1, 1] and is conditioned on nothing or on class labels. With <see cref="ModelConfig.SuperResolution"/>
/// it is the super-resolution family (SR3 / CDM): the same layouts, with the upsampled low-resolution image concatenated to
/// x_t and its augmentation level embedded into the time embedding.
/// </summary>
public sealed class UNet : Module<Tensor, Tensor, Conditioning, Tensor>, IDiffusionNetwork
{
    // Holds the layout's modules (registered on this module by name in the constructor) and runs them.
    private readonly IUNetNetwork _network;

    public ModelConfig Config { get; }
    public int Channels { get; }
    public int ImageSize { get; }

    public ConditioningSpec Accepts { get; }

    public long[] SampleShape => [Channels, ImageSize, ImageSize];

    /// <summary>Images live in [−1, 1], so x̂₀ is clipped there; latents (model.latent) have no such range and are not.</summary>
    public bool ClipDenoised => Config.Latent is null;

    /// <param name="config">Layout, widths, depth and attention; <see cref="ModelConfig.NumClasses"/> must be set when class-conditional.</param>
    /// <param name="channels">Image channels (1 or 3).</param>
    /// <param name="imageSize">Side of the square training images in pixels; decides where attention goes.</param>
    /// <param name="augment">data.augment: the model then takes the non-leaking augmentation's labels (<see cref="ConditioningSpec.Augmentation"/>).</param>
    public UNet(ModelConfig config, int channels, int imageSize, AugmentConfig? augment = null) : base(nameof(UNet))
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate(config, channels, imageSize);
        Config = config;
        Channels = channels;
        ImageSize = imageSize;
        Accepts = ConditioningSpec.For(config, imageSize, augment);

        _network = config.Layout switch
        {
            UNetLayout.Ddpm => new DdpmNetwork(config, channels, imageSize, Accepts),
            UNetLayout.Reference => new ReferenceNetwork(config, channels, imageSize, Accepts),
            _ => throw new ArgumentException($"Unknown model.layout '{config.Layout}'; use ddpm or reference."),
        };
        foreach (var (name, module) in _network.NamedModules) register_module(name, module);
    }

    /// <param name="x">Noisy images, float [B, C, H, W].</param>
    /// <param name="t">Timesteps, int64 [B], in [0, T).</param>
    /// <param name="conditioning">Class labels when class-conditional (absent or unconditional samples get the null class); the
    /// low-resolution image and its augmentation level for a super-resolution network (unconditional samples get the null image);
    /// the augmentation labels when trained with data.augment (absent: zeros, "not augmented").</param>
    /// <returns>The network output in its objective (ε, x₀ or v), shaped like <paramref name="x"/>.</returns>
    public override Tensor forward(Tensor x, Tensor t, Conditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        if (x.dim() != 4 || x.shape[1] != Channels)
            throw new ArgumentException($"The U-Net expects images shaped [B, {Channels}, H, W] but got [{string.Join(", ", x.shape)}]; convert the data to {Channels} channel(s).");
        Accepts.Check(conditioning, x.shape[0]);

        using var scope = NewDisposeScope();
        var classIndices = Accepts.ClassIndices(conditioning, x.shape[0], x.device);
        Tensor? level = null;
        if (Accepts.HasLowResolution)
        {
            var (image, augmentationLevel) = Accepts.LowResolutionInput(conditioning, x.shape[2], x.shape[3]);
            x = cat([x, image.to(x.dtype)], 1);
            level = augmentationLevel;
        }
        var augmentationLabels = Accepts.AugmentationInput(conditioning, x.shape[0], x.device);
        return _network.Forward(x, t, classIndices, level, augmentationLabels).MoveToOuterDisposeScope();
    }

    private static void Validate(ModelConfig config, int channels, int imageSize)
    {
        int levels = config.DimMults.Count;
        if (levels < 1) throw new ArgumentException("model.dim_mults is empty; give at least one width multiplier, e.g. [1, 2, 4, 8].");
        if (channels < 1) throw new ArgumentException($"The image channel count ({channels}) must be positive; set data.channels to 1 or 3.");
        if (levels > 30 || imageSize < 1 || imageSize % (1 << (levels - 1)) != 0)
            throw new ArgumentException($"The image size ({imageSize}) must be divisible by 2^{levels - 1} for a U-Net with {levels} levels; change data.image_size or shorten model.dim_mults.");
        if (config.Dim < 4 || config.Dim % 2 != 0)
            throw new ArgumentException($"model.dim ({config.Dim}) must be even and at least 4 for the sinusoidal time embedding; use e.g. 64.");
        if (config.DimMults.Any(m => m < 1))
            throw new ArgumentException("Every entry of model.dim_mults must be at least 1.");
        if (config.ResBlocks < 1)
            throw new ArgumentException($"model.res_blocks ({config.ResBlocks}) must be at least 1.");
        // ddpm layout: every normalised width (level widths and skip concatenations) is a multiple of dim. The reference
        // layout has no GroupNorm.
        if (config.Layout == UNetLayout.Ddpm && (config.Groups < 1 || config.Dim % config.Groups != 0))
            throw new ArgumentException($"model.groups ({config.Groups}) must divide model.dim ({config.Dim}); pick a divisor of model.dim.");
        if (config.Heads < 1 || config.HeadDim < 1)
            throw new ArgumentException($"Attention needs at least one head of at least one channel (got {config.Heads} × {config.HeadDim}); set model.heads and model.head_dim to positive values.");
        if (config.Dropout is < 0 or >= 1)
            throw new ArgumentException($"model.dropout ({config.Dropout}) must be in [0, 1).");
        if (config.ClassConditional && config.NumClasses < 1)
            throw new ArgumentException("A class-conditional U-Net needs model.num_classes ≥ 1; set it from the data's class count.");
    }
}
