using SharpDiffusion.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models;

/// <summary>
/// What a network is conditioned on, and the one place the null condition is spelled out: class k ∈ [0, K) has embedding
/// row k and row K is the null class ("no class"), which absent labels and unconditional samples get (Ho &amp; Salimans 2022).
/// </summary>
/// <param name="Classes">K, the number of classes; 0 for a network without class labels.</param>
/// <param name="DropProbability">Probability that a training sample is made unconditional (model.class_dropout).</param>
public sealed record ConditioningSpec(int Classes, double DropProbability)
{
    /// <summary>The spec a model config describes (model.num_classes must already be resolved, see Training/ClassCount).</summary>
    public static ConditioningSpec For(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new(config.ClassConditional ? config.NumClasses : 0, config.ClassConditional ? config.ClassDropout : 0);
    }

    public bool HasClasses => Classes > 0;

    /// <summary>Whether the network takes any condition at all (so it can be dropped out in training and guided at sampling).</summary>
    public bool IsConditional => HasClasses;

    /// <summary>The class index meaning "no class".</summary>
    public long NullClass => Classes;

    /// <summary>Rows of the class embedding: one per class and one for the null class.</summary>
    public int ClassEmbeddingRows => Classes + 1;

    /// <summary>A training batch's condition from its data labels: the labels when the network takes classes, else nothing.</summary>
    public Conditioning FromData(Tensor labels) => HasClasses ? Conditioning.Classes(labels) : Conditioning.None;

    /// <summary>
    /// Condition dropout for classifier-free guidance training: each sample becomes unconditional with probability
    /// <see cref="DropProbability"/>, one uniform draw per sample from <paramref name="generator"/> on <paramref name="device"/>.
    /// A network without conditions draws nothing.
    /// </summary>
    public Conditioning DropOut(Conditioning conditioning, long batch, Generator generator, Device device)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        if (!IsConditional) return conditioning;
        var drop = rand([batch], generator: generator, device: device) < DropProbability;
        return conditioning.DropWhere(drop);
    }

    /// <summary>Refuses kinds this network does not take and tensors of another batch size.</summary>
    public void Check(Conditioning conditioning, long batch)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        if (conditioning.ClassLabels is not null && !HasClasses)
            throw new ArgumentException("this model was trained without classes, so class labels (--class, --guidance) cannot be used; train with model.class_conditional=true");
        if (conditioning.LowResolution is not null || conditioning.AugmentationLevel is not null)
            throw new ArgumentException("this model takes no low-resolution image; only a super-resolution model does");
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
        if (conditioning.ClassLabels is not { } labels) return full(batch, NullClass, ScalarType.Int64, device);
        return conditioning.Unconditional is { } unconditional ? where(unconditional, full_like(labels, NullClass), labels) : labels.alias();
    }
}
