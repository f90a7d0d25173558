using SharpDiffusion.Config;
using SharpDiffusion.Models.Augmentation;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models;

/// <summary>
/// What a network is conditioned on, and the one place the null condition is spelled out: class k ∈ [0, K) has embedding
/// row k and row K is the null class ("no class"), which absent labels and unconditional samples get (Ho &amp; Salimans 2022).
/// </summary>
/// <param name="Classes">K, the number of classes; 0 for a network without class labels.</param>
/// <param name="DropProbability">Probability that a training sample is made unconditional, every kind at once
/// (model.class_dropout with classes, else model.super_resolution.condition_dropout).</param>
/// <param name="LowResolution">The super-resolution stage's low-resolution condition; null for the base family.</param>
/// <param name="Augmentation">EDM's non-leaking augmentation (data.augment), whose labels the network takes; null without it.</param>
public sealed record ConditioningSpec(int Classes, double DropProbability, NoiseConditioningAugmentation? LowResolution = null, NonLeakingAugmentation? Augmentation = null)
{
    /// <summary>The spec a model config describes (model.num_classes must already be resolved, see Training/ClassCount).</summary>
    /// <param name="outputSize">Side of the images the network makes (data.image_size).</param>
    /// <param name="augment">data.augment, or null.</param>
    public static ConditioningSpec For(ModelConfig config, int outputSize, AugmentConfig? augment = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var lowResolution = config.SuperResolution is { } sr ? new NoiseConditioningAugmentation(sr, outputSize) : null;
        double drop = config.ClassConditional ? config.ClassDropout : config.SuperResolution?.ConditionDropout ?? 0;
        return new(config.ClassConditional ? config.NumClasses : 0, drop, lowResolution, augment is null ? null : new NonLeakingAugmentation(augment));
    }

    public bool HasClasses => Classes > 0;

    public bool HasLowResolution => LowResolution is not null;

    /// <summary>Whether the network takes the augmentation labels (it was trained with data.augment).</summary>
    public bool HasAugmentation => Augmentation is not null;

    /// <summary>Whether the network takes any condition at all (so it can be dropped out in training and guided at sampling).
    /// The augmentation labels are not one: they describe the training image, not what is asked for.</summary>
    public bool IsConditional => HasClasses || HasLowResolution;

    /// <summary>The class index meaning "no class".</summary>
    public long NullClass => Classes;

    /// <summary>Rows of the class embedding: one per class and one for the null class.</summary>
    public int ClassEmbeddingRows => Classes + 1;

    /// <summary>
    /// A training pair from a data batch (images in [−1, 1], labels): x₀ and its condition. The labels when the network takes
    /// classes; with data.augment the images are augmented first and their augmentation labels join the condition
    /// (<see cref="NonLeakingAugmentation.Apply(Tensor, Generator)"/>, which draws from <paramref name="generator"/>); for a
    /// super-resolution stage x₀ may then be a crop and the low-resolution image is made from it
    /// (<see cref="NoiseConditioningAugmentation.ForTraining"/>, which draws next), so the pair describes one augmented image.
    /// A base network without augmentation draws nothing and gets the images unchanged.
    /// </summary>
    public (Tensor X0, Conditioning Condition) FromData(Tensor images, Tensor labels, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        var condition = HasClasses ? Conditioning.Classes(labels) : Conditioning.None;
        if (Augmentation is not null)
        {
            var (augmented, augmentationLabels) = Augmentation.Apply(images, generator);
            (images, condition) = (augmented, condition with { AugmentationLabels = augmentationLabels });
        }
        if (LowResolution is null) return (images, condition);
        var (x0, low) = LowResolution.ForTraining(images, generator);
        return (x0, low with { ClassLabels = condition.ClassLabels, AugmentationLabels = condition.AugmentationLabels });
    }

    /// <summary>
    /// Condition dropout for classifier-free guidance training: each sample becomes unconditional with probability
    /// <see cref="DropProbability"/>, one uniform draw per sample from <paramref name="generator"/> on <paramref name="device"/>.
    /// A network without conditions draws nothing.
    /// </summary>
    public Conditioning DropOut(Conditioning conditioning, long batch, Generator generator, Device device)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        if (!IsConditional) return conditioning;
        using var probability = DropProbability.ToScalar();
        var drop = rand([batch], generator: generator, device: device) < probability;
        return conditioning.DropWhere(drop);
    }

    /// <summary>Refuses kinds this network does not take and tensors of another batch size.</summary>
    public void Check(Conditioning conditioning, long batch)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        if (conditioning.ClassLabels is not null && !HasClasses)
            throw new ArgumentException("this model was trained without classes, so class labels (--class, --guidance) cannot be used; train with model.class_conditional=true");
        if (!HasLowResolution && (conditioning.LowResolution is not null || conditioning.AugmentationLevel is not null))
            throw new ArgumentException("this model takes no low-resolution image; only a super-resolution model does");
        if (!HasAugmentation && conditioning.AugmentationLabels is not null)
            throw new ArgumentException("this model was trained without data.augment, so it takes no augmentation labels; leave them out");
        if (conditioning.AugmentationLabels is { } given && (given.dim() != 2 || given.shape[1] != AugmentationLabels.Count))
            throw new ArgumentException($"augmentation labels must be shaped [B, {AugmentationLabels.Count}] (EDM's layout, Models/Augmentation/AugmentationLabels) but are [{string.Join(", ", given.shape)}]");
        if (HasLowResolution && conditioning.LowResolution is null)
            throw new ArgumentException("a super-resolution model needs the low-resolution image of every sample; give it (ddpm upscale --images, or ddpm sample --upscale)");
        foreach (var tensor in conditioning.Tensors)
            if (tensor.shape[0] != batch)
                throw new ArgumentException($"the condition describes {tensor.shape[0]} samples but the batch has {batch}; pass one condition per sample.");
    }

    /// <summary>
    /// The class embedding index of each sample, int64 [B]: its label, or <see cref="NullClass"/> where it is unconditional or
    /// has no label. Null when the network takes no classes.
    /// </summary>
    public Tensor? ClassIndices(Conditioning conditioning, long batch, Device device)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        if (!HasClasses) return null;
        using var nullClass = NullClass.ToScalar();
        if (conditioning.ClassLabels is not { } labels) return full(batch, nullClass, ScalarType.Int64, device);
        return conditioning.Unconditional is { } unconditional ? where(unconditional, full_like(labels, nullClass), labels) : labels.alias();
    }

    /// <summary>
    /// The augmentation labels the network reads, float [B, 9], or null when it takes none. Their null form is zero ("not
    /// augmented"), the only place it is written: absent labels are zeros, and sampling gives none, so every sample — both
    /// branches of classifier-free guidance included — asks for un-augmented images. <see cref="Conditioning.Unconditional"/>
    /// does not zero them: dropout marks training samples unconditional, and zeroing their labels would pair augmented images
    /// with "not augmented", which is exactly the leak the labels exist to prevent (Karras et al. 2022, App. F.2). A caller
    /// that guides with non-zero labels (a deliberately rotated sample) thus gets the same labels in both branches, so the
    /// guidance direction is the class's alone, the way dropout trained it.
    /// </summary>
    public Tensor? AugmentationInput(Conditioning conditioning, long batch, Device device)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        if (!HasAugmentation) return null;
        return conditioning.AugmentationLabels?.to(ScalarType.Float32, device) ?? zeros([batch, AugmentationLabels.Count], ScalarType.Float32, device);
    }

    /// <summary>
    /// What a super-resolution network reads besides x_t: the low-resolution image upsampled to <paramref name="height"/> ×
    /// <paramref name="width"/> (bilinear or bicubic, model.super_resolution.upsample), to be concatenated to x_t, and the
    /// augmentation level s [B]. The null form, where a sample is unconditional, is a zero image at level 0.
    /// </summary>
    public (Tensor Image, Tensor Level) LowResolutionInput(Conditioning conditioning, long height, long width)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        if (LowResolution is null || conditioning.LowResolution is not { } low)
            throw new InvalidOperationException("LowResolutionInput is for a super-resolution network given its low-resolution image (Check refuses the others).");
        if (low.shape[2] * LowResolution.Factor != height || low.shape[3] * LowResolution.Factor != width)
            throw new ArgumentException($"the low-resolution image is {low.shape[2]}×{low.shape[3]} but this {LowResolution.Factor}× upscaler makes {height}×{width} from {height / LowResolution.Factor}×{width / LowResolution.Factor}; give images of that size.");
        using var scope = NewDisposeScope();
        var mode = LowResolution.Config.Upsample == Config.UpscaleInterpolation.Bicubic ? InterpolationMode.Bicubic : InterpolationMode.Bilinear;
        var image = nn.functional.interpolate(low, [height, width], mode: mode, align_corners: false);
        var level = conditioning.AugmentationLevel ?? zeros([low.shape[0]], low.dtype, low.device);
        if (conditioning.Unconditional is { } unconditional)
        {
            image = where(unconditional.view(-1, 1, 1, 1), zeros_like(image), image);
            level = where(unconditional, zeros_like(level), level);
        }
        return (image.MoveToOuterDisposeScope(), level.MoveToOuterDisposeScope());
    }
}
