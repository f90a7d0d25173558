using SharpDiffusion.Models.Augmentation;
using SharpDiffusion.Config;
using SharpDiffusion.Sampling;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// The <see cref="UNetLayout.Reference"/> layout: the structure of denoising-diffusion-pytorch 2.x's <c>Unet</c>
/// (lucidrains, denoising_diffusion_pytorch/denoising_diffusion_pytorch.py), which the reference study ran. Level i
/// works at its input width dims[i] (dims = [dim, dim·m₀, …, dim·m_{L−1}]) and its downsampler widens to dims[i+1]
/// (pixel-unshuffle ×2 then a 1×1 convolution; a 3×3 convolution without resizing at the last level). The up path has
/// R blocks per level, each concatenating one skip; the init_conv output is concatenated once more before the
/// final residual block. Norms are RMSNorm; attention is linear except at the sides in <c>attention_resolutions</c> and in
/// the middle; the time MLP uses GELU. Parameter names mirror the PyTorch module's (docs/model.md).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "Its modules are registered on the owning UNet, which disposes them.")]
internal sealed class ReferenceNetwork : IUNetNetwork
{
    private readonly int _dim;
    private readonly BlockAlignedConv2d init_conv;
    private readonly Sequential time_mlp;
    private readonly Embedding? class_emb;
    private readonly AugmentationLevelEmbedding? aug_emb;
    private readonly AugmentationLabelEmbedding? map_augment;
    private readonly ModuleList<ReferenceDownLevel> downs;
    private readonly ReferenceResnetBlock mid_block1;
    private readonly ReferenceAttention mid_attn;
    private readonly ReferenceResnetBlock mid_block2;
    private readonly ModuleList<ReferenceUpLevel> ups;
    private readonly ReferenceResnetBlock final_res_block;
    private readonly BlockAlignedConv2d final_conv;

    public ReferenceNetwork(ModelConfig config, int channels, int imageSize, ConditioningSpec conditioning)
    {
        int dim = config.Dim;
        _dim = dim;
        long embeddingDim = 4L * dim;
        int levels = config.DimMults.Count;
        long[] dims = [dim, .. config.DimMults.Select(m => (long)dim * m)];

        // A super-resolution network reads x_t and the upsampled low-resolution image stacked on the channel axis (SR3).
        init_conv = new BlockAlignedConv2d(conditioning.HasLowResolution ? 2 * channels : channels, dim, 7, padding: 3);
        // PyTorch's Sequential holds the parameter-free sinusoidal embedding at index 0 and GELU at 2; the indices are kept
        // so the keys read time_mlp.1 and time_mlp.3 as in its checkpoints.
        time_mlp = Sequential(("1", Linear(dim, embeddingDim)), ("2", GELU()), ("3", Linear(embeddingDim, embeddingDim)));
        // Our addition (the PyTorch Unet has no classes); one row per class plus the null class (ConditioningSpec).
        class_emb = conditioning.HasClasses ? Embedding(conditioning.ClassEmbeddingRows, embeddingDim) : null;
        aug_emb = conditioning.HasLowResolution ? new AugmentationLevelEmbedding(dim, embeddingDim) : null;
        // Only with data.augment, so models trained without it keep their parameters and checkpoints.
        map_augment = conditioning.HasAugmentation ? new AugmentationLabelEmbedding(dim) : null;

        Module<Tensor, Tensor> Attention(long width, int level) =>
            config.AttentionResolutions.Contains(imageSize >> level)
                ? new ReferenceAttention(width, config.Heads, config.HeadDim)
                : new LinearAttention(width, config.Heads, config.HeadDim);
        ReferenceResnetBlock Block(long input, long output) => new(input, output, embeddingDim, config.Dropout);

        var downLevels = new List<ReferenceDownLevel>();
        for (int level = 0; level < levels; level++)
        {
            long input = dims[level], output = dims[level + 1];
            var blocks = Enumerable.Range(0, config.ResBlocks).Select(_ => Block(input, input)).ToList();
            Module<Tensor, Tensor> downsample = level < levels - 1
                ? Sequential(("0", PixelUnshuffle(2)), ("1", new BlockAlignedConv2d(4 * input, output, 1)))
                : new BlockAlignedConv2d(input, output, 3, padding: 1);
            downLevels.Add(new ReferenceDownLevel(blocks, Attention(input, level), downsample));
        }
        downs = new ModuleList<ReferenceDownLevel>([.. downLevels]);

        long middle = dims[levels];
        mid_block1 = Block(middle, middle);
        mid_attn = new ReferenceAttention(middle, config.Heads, config.HeadDim);
        mid_block2 = Block(middle, middle);

        var upLevels = new List<ReferenceUpLevel>();
        for (int level = levels - 1; level >= 0; level--)
        {
            long input = dims[level], output = dims[level + 1];
            // Each block sees the running map (width `output`) and one skip of the down level (width `input`).
            var blocks = Enumerable.Range(0, config.ResBlocks).Select(_ => Block(output + input, output)).ToList();
            Module<Tensor, Tensor> upsample = level > 0
                ? Sequential(("0", Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Nearest)), ("1", new BlockAlignedConv2d(output, input, 3, padding: 1)))
                : new BlockAlignedConv2d(output, input, 3, padding: 1);
            upLevels.Add(new ReferenceUpLevel(blocks, Attention(output, level), upsample));
        }
        ups = new ModuleList<ReferenceUpLevel>([.. upLevels]);

        final_res_block = Block(2L * dim, dim);
        final_conv = new BlockAlignedConv2d(dim, channels, 1);
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
            yield return (nameof(mid_block1), mid_block1);
            yield return (nameof(mid_attn), mid_attn);
            yield return (nameof(mid_block2), mid_block2);
            yield return (nameof(ups), ups);
            yield return (nameof(final_res_block), final_res_block);
            yield return (nameof(final_conv), final_conv);
        }
    }

    public Tensor Forward(Tensor x, Tensor t, Tensor? classIndices, Tensor? augmentationLevel, Tensor? augmentationLabels)
    {
        using var scope = NewDisposeScope();
        var noise = TimestepEmbedding.Sinusoidal(t, _dim).to(x.dtype);
        // EDM adds the augmentation labels' projection to the noise embedding before the mapping MLP (networks.py, map_augment).
        if (map_augment is not null && augmentationLabels is not null) noise = noise.Plus(map_augment.call(augmentationLabels).to(x.dtype));
        var embedding = time_mlp.forward(noise);
        if (class_emb is not null && classIndices is not null) embedding = embedding.Plus(class_emb.forward(classIndices));
        if (aug_emb is not null && augmentationLevel is not null) embedding = embedding.Plus(aug_emb.Forward(augmentationLevel, embedding));

        var h = init_conv.forward(x);
        var initial = h;
        var skips = new List<Tensor>();
        foreach (var level in downs) h = level.Forward(h, embedding, skips);
        h = mid_block2.forward(mid_attn.forward(mid_block1.forward(h, embedding)), embedding);
        foreach (var level in ups) h = level.Forward(h, embedding, skips);
        h = final_res_block.forward(cat([h, initial], dim: 1), embedding);
        return final_conv.forward(h).MoveToOuterDisposeScope();
    }
}
