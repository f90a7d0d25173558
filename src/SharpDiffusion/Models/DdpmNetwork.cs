using SharpDiffusion.Models.Augmentation;
using SharpDiffusion.Config;
using SharpDiffusion.Sampling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// The <see cref="UNetLayout.Ddpm"/> layout (Ho et al. 2020): GroupNorm, pre-activation residual blocks with scale-shift
/// time conditioning, self-attention at chosen resolutions and in the middle, ResBlocks blocks per level going down and
/// ResBlocks + 1 going up (one per skip).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Its modules are registered on the owning UNet, which disposes them.")]
internal sealed class DdpmNetwork : IUNetNetwork
{
    private readonly int _dim;
    private readonly BlockAlignedConv2d init_conv;
    private readonly Sequential time_mlp;
    private readonly Embedding? class_emb;
    private readonly AugmentationLevelEmbedding? aug_emb;
    private readonly AugmentationLabelEmbedding? map_augment;
    private readonly ModuleList<DownLevel> downs;
    private readonly MiddleBlock mid;
    private readonly ModuleList<UpLevel> ups;
    private readonly GroupNorm final_norm;
    private readonly BlockAlignedConv2d final_conv;

    public DdpmNetwork(ModelConfig config, int channels, int imageSize, ConditioningSpec conditioning)
    {
        int dim = config.Dim;
        _dim = dim;
        long embeddingDim = 4L * dim;
        int levels = config.DimMults.Count;

        // A super-resolution network reads x_t and the upsampled low-resolution image stacked on the channel axis (SR3).
        init_conv = new BlockAlignedConv2d(conditioning.HasLowResolution ? 2 * channels : channels, dim, 3, padding: 1);
        time_mlp = Sequential(("0", Linear(dim, embeddingDim)), ("1", SiLU()), ("2", Linear(embeddingDim, embeddingDim)));
        // One row per class plus the null class (ConditioningSpec).
        class_emb = conditioning.HasClasses ? Embedding(conditioning.ClassEmbeddingRows, embeddingDim) : null;
        aug_emb = conditioning.HasLowResolution ? new AugmentationLevelEmbedding(dim, embeddingDim) : null;
        // Only with data.augment, so models trained without it keep their parameters and checkpoints.
        map_augment = conditioning.HasAugmentation ? new AugmentationLabelEmbedding(dim) : null;

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
            BlockAlignedConv2d? downsample = null;
            if (level < levels - 1)
            {
                downsample = new BlockAlignedConv2d(current, current, 3, stride: 2, padding: 1);
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
            var upsample = level > 0 ? new BlockAlignedConv2d(current, current, 3, padding: 1) : null;
            upLevels.Add(new UpLevel(blocks, attentions, upsample));
        }
        ups = new ModuleList<UpLevel>([.. upLevels]);

        final_norm = Norms.GroupNorm(config.Groups, current);
        final_conv = new BlockAlignedConv2d(current, channels, 3, padding: 1);
    }

    public IEnumerable<(string Name, Module Module)> NamedModules
    {
        get
        {
            yield return (nameof(init_conv), init_conv);
            yield return (nameof(time_mlp), time_mlp);
            if (class_emb is not null) yield return (nameof(class_emb), class_emb);
            if (aug_emb is not null) yield return (nameof(aug_emb), aug_emb);
            if (map_augment is not null) yield return (nameof(map_augment), map_augment);
            yield return (nameof(downs), downs);
            yield return (nameof(mid), mid);
            yield return (nameof(ups), ups);
            yield return (nameof(final_norm), final_norm);
            yield return (nameof(final_conv), final_conv);
        }
    }

    public Tensor Forward(Tensor x, Tensor t, Tensor? classIndices, Tensor? augmentationLevel, Tensor? augmentationLabels)
    {
        using var scope = NewDisposeScope();
        var noise = TimestepEmbedding.Sinusoidal(t, _dim).to(x.dtype);
        // EDM adds the augmentation labels' projection to the noise embedding before the mapping MLP (networks.py, map_augment).
        if (map_augment is not null && augmentationLabels is not null) noise = noise.Plus(map_augment.call(augmentationLabels).to(x.dtype));
        var embedding = time_mlp.call(noise);
        if (class_emb is not null && classIndices is not null) embedding = embedding.Plus(class_emb.call(classIndices));
        if (aug_emb is not null && augmentationLevel is not null) embedding = embedding.Plus(aug_emb.Forward(augmentationLevel, embedding));

        var h = init_conv.call(x);
        var skips = new List<Tensor> { h };
        foreach (var level in downs) h = level.Forward(h, embedding, skips);
        h = mid.call(h, embedding);
        foreach (var level in ups) h = level.Forward(h, embedding, skips);
        return final_conv.call(functional.silu(final_norm.call(h))).MoveToOuterDisposeScope();
    }
}
