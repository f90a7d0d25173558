using SharpDiffusion.Config;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// The ε-prediction U-Net of Ho et al. 2020 (denoising-diffusion-pytorch layout): GroupNorm, pre-activation residual
/// blocks with scale-shift time conditioning, self-attention at chosen resolutions and in the middle, ResBlocks blocks per
/// level going down and ResBlocks + 1 going up (one per skip). Parameter names are documented in docs/model.md.
/// </summary>
public sealed class UNet : Module<Tensor, Tensor, Tensor?, Tensor>
{
    private readonly Conv2d init_conv;
    private readonly Sequential time_mlp;
    private readonly Embedding? class_emb;
    private readonly ModuleList<DownLevel> downs;
    private readonly MiddleBlock mid;
    private readonly ModuleList<UpLevel> ups;
    private readonly GroupNorm final_norm;
    private readonly Conv2d final_conv;

    public ModelConfig Config { get; }
    public int Channels { get; }
    public int ImageSize { get; }

    /// <param name="config">Widths, depth and attention; <see cref="ModelConfig.NumClasses"/> must be set when class-conditional.</param>
    /// <param name="channels">Image channels (1 or 3).</param>
    /// <param name="imageSize">Side of the square training images in pixels; decides where attention goes.</param>
    public UNet(ModelConfig config, int channels, int imageSize) : base(nameof(UNet))
    {
        ArgumentNullException.ThrowIfNull(config);
        Validate(config, channels, imageSize);
        Config = config;
        Channels = channels;
        ImageSize = imageSize;

        int dim = config.Dim;
        long embeddingDim = 4L * dim;
        int levels = config.DimMults.Count;

        init_conv = Conv2d(channels, dim, 3, padding: 1);
        time_mlp = Sequential(("0", Linear(dim, embeddingDim)), ("1", SiLU()), ("2", Linear(embeddingDim, embeddingDim)));
        // Index NumClasses is the null class that classifier-free guidance trains with and samples against.
        class_emb = config.ClassConditional ? Embedding(config.NumClasses + 1, embeddingDim) : null;

        var skipChannels = new List<long> { dim };
        long current = dim;
        var downLevels = new List<DownLevel>();
        for (int level = 0; level < levels; level++)
        {
            long width = (long)dim * config.DimMults[level];
            bool attend = config.AttentionResolutions.Contains(imageSize >> level);
            var blocks = new List<ResnetBlock>();
            var attentions = new List<SelfAttention>();
            for (int b = 0; b < config.ResBlocks; b++)
            {
                blocks.Add(new ResnetBlock(current, width, embeddingDim, config.Groups, config.Dropout));
                if (attend) attentions.Add(new SelfAttention(width, config.Heads, config.HeadDim, config.Groups));
                current = width;
                skipChannels.Add(current);
            }
            Conv2d? downsample = null;
            if (level < levels - 1)
            {
                downsample = Conv2d(current, current, 3, stride: 2, padding: 1);
                skipChannels.Add(current);
            }
            downLevels.Add(new DownLevel(blocks, attentions, downsample));
        }
        downs = new ModuleList<DownLevel>([.. downLevels]);

        mid = new MiddleBlock(current, embeddingDim, config);

        var upLevels = new List<UpLevel>();
        for (int level = levels - 1; level >= 0; level--)
        {
            long width = (long)dim * config.DimMults[level];
            bool attend = config.AttentionResolutions.Contains(imageSize >> level);
            var blocks = new List<ResnetBlock>();
            var attentions = new List<SelfAttention>();
            // One block per skip pushed at this resolution: ResBlocks block outputs plus the map that entered the level.
            for (int b = 0; b < config.ResBlocks + 1; b++)
            {
                long skip = skipChannels[^1];
                skipChannels.RemoveAt(skipChannels.Count - 1);
                blocks.Add(new ResnetBlock(current + skip, width, embeddingDim, config.Groups, config.Dropout));
                if (attend) attentions.Add(new SelfAttention(width, config.Heads, config.HeadDim, config.Groups));
                current = width;
            }
            var upsample = level > 0 ? Conv2d(current, current, 3, padding: 1) : null;
            upLevels.Add(new UpLevel(blocks, attentions, upsample));
        }
        ups = new ModuleList<UpLevel>([.. upLevels]);

        final_norm = Norms.GroupNorm(config.Groups, current);
        final_conv = Conv2d(current, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <param name="x">Noisy images, float [B, C, H, W].</param>
    /// <param name="t">Timesteps, int64 [B], in [0, T).</param>
    /// <param name="classLabels">int64 [B] with NumClasses meaning "no class"; null means the null class (ignored when the model is unconditional).</param>
    /// <returns>The predicted noise, shaped like <paramref name="x"/>.</returns>
    public override Tensor forward(Tensor x, Tensor t, Tensor? classLabels)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(t);
        if (x.dim() != 4 || x.shape[1] != Channels)
            throw new ArgumentException($"The U-Net expects images shaped [B, {Channels}, H, W] but got [{string.Join(", ", x.shape)}]; convert the data to {Channels} channel(s).");

        using var scope = NewDisposeScope();
        var embedding = time_mlp.forward(TimestepEmbedding.Sinusoidal(t, Config.Dim).to(x.dtype));
        if (class_emb is not null)
        {
            var labels = classLabels ?? full(x.shape[0], Config.NumClasses, dtype: ScalarType.Int64, device: x.device);
            embedding = embedding + class_emb.forward(labels);
        }

        var h = init_conv.forward(x);
        var skips = new List<Tensor> { h };
        foreach (var level in downs) h = level.Forward(h, embedding, skips);
        h = mid.forward(h, embedding);
        foreach (var level in ups) h = level.Forward(h, embedding, skips);
        return final_conv.forward(functional.silu(final_norm.forward(h))).MoveToOuterDisposeScope();
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
        // Every normalised width (level widths and skip concatenations) is a multiple of dim.
        if (config.Groups < 1 || config.Dim % config.Groups != 0)
            throw new ArgumentException($"model.groups ({config.Groups}) must divide model.dim ({config.Dim}); pick a divisor of model.dim.");
        if (config.Dropout is < 0 or >= 1)
            throw new ArgumentException($"model.dropout ({config.Dropout}) must be in [0, 1).");
        if (config.ClassConditional && config.NumClasses < 1)
            throw new ArgumentException("A class-conditional U-Net needs model.num_classes ≥ 1; set it from the data's class count.");
    }
}
