using static TorchSharp.torch;

namespace SharpDiffusion.Models;

/// <summary>
/// Everything a network is conditioned on besides x_t and t, for one batch of B samples. Each kind is optional: a network
/// takes the kinds its <see cref="ConditioningSpec"/> names and refuses the others. <see cref="Unconditional"/> marks the
/// samples whose condition is replaced by the null condition — the one unconditional form, used by label dropout in training
/// and by the unconditional branch of classifier-free guidance, whatever the kinds. A kind left out means its null form for
/// every sample. The record holds tensors it does not own: they belong to the dispose scope they were made in.
/// </summary>
public sealed record Conditioning
{
    /// <summary>Nothing at all: every kind in its null form (an unconditional model, or a conditional one sampled without a condition).</summary>
    public static Conditioning None { get; } = new();

    /// <summary>Class of each sample, int64 [B], in [0, K).</summary>
    public Tensor? ClassLabels { get; init; }

    /// <summary>The low-resolution image a super-resolution stage upsamples, float [B, C, h, w] in [−1, 1].</summary>
    public Tensor? LowResolution { get; init; }

    /// <summary>Noise-conditioning augmentation level s of <see cref="LowResolution"/> (Ho et al. 2021, CDM §3), float [B] in [0, 1].</summary>
    public Tensor? AugmentationLevel { get; init; }

    /// <summary>
    /// The non-leaking augmentation's labels (EDM; <see cref="Augmentation.AugmentationLabels"/>), float [B, 9]: what was done to
    /// each training image. Absent: zeros, "not augmented", which is what sampling asks for. Not a condition in guidance's sense:
    /// <see cref="Unconditional"/> leaves it as it is (<see cref="ConditioningSpec.AugmentationInput"/> says why).
    /// </summary>
    public Tensor? AugmentationLabels { get; init; }

    /// <summary>bool [B]: true where the sample is conditioned on nothing (every kind in its null form); null: no sample is.</summary>
    public Tensor? Unconditional { get; init; }

    public static Conditioning Classes(Tensor labels) => new() { ClassLabels = labels ?? throw new ArgumentNullException(nameof(labels)) };

    /// <summary>The batch size the tensors describe, or null for <see cref="None"/>.</summary>
    public long? BatchSize => Tensors.FirstOrDefault()?.shape[0];

    /// <summary>The kinds present, in a fixed order, with <see cref="Unconditional"/> last.</summary>
    public IEnumerable<Tensor> Tensors =>
        new[] { ClassLabels, LowResolution, AugmentationLevel, AugmentationLabels, Unconditional }.Where(t => t is not null).Select(t => t!);

    /// <summary>The same condition with the samples where <paramref name="mask"/> (bool [B]) is true made unconditional.</summary>
    public Conditioning DropWhere(Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        return this with { Unconditional = Unconditional is null ? mask : Unconditional.logical_or(mask) };
    }

    /// <summary>Every sample unconditional, the kinds kept (so the batch still concatenates with this one).</summary>
    public Conditioning AsUnconditional() => BatchSize is long batch
        ? this with { Unconditional = ones(batch, ScalarType.Bool, Tensors.First().device) }
        : None;

    /// <summary>The batches one after the other (guidance evaluates both branches in one forward); both must carry the same kinds.</summary>
    public static Conditioning Cat(Conditioning first, Conditioning second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.BatchSize is not long a || second.BatchSize is not long b) return first.BatchSize is null && second.BatchSize is null ? None
            : throw new ArgumentException("Only conditions of the same kinds can be concatenated; one of these is empty.");
        return new Conditioning
        {
            ClassLabels = CatKind(first.ClassLabels, second.ClassLabels, nameof(ClassLabels)),
            LowResolution = CatKind(first.LowResolution, second.LowResolution, nameof(LowResolution)),
            AugmentationLevel = CatKind(first.AugmentationLevel, second.AugmentationLevel, nameof(AugmentationLevel)),
            AugmentationLabels = CatKind(first.AugmentationLabels, second.AugmentationLabels, nameof(AugmentationLabels)),
            Unconditional = first.Unconditional is null && second.Unconditional is null ? null
                : cat([MaskOf(first, a), MaskOf(second, b)], 0),
        };
    }

    /// <summary>Samples <paramref name="start"/> … <paramref name="start"/> + <paramref name="length"/> − 1 of the batch.</summary>
    public Conditioning Slice(long start, long length) => new()
    {
        ClassLabels = ClassLabels?.narrow(0, start, length),
        LowResolution = LowResolution?.narrow(0, start, length),
        AugmentationLevel = AugmentationLevel?.narrow(0, start, length),
        AugmentationLabels = AugmentationLabels?.narrow(0, start, length),
        Unconditional = Unconditional?.narrow(0, start, length),
    };

    /// <summary>The same condition on <paramref name="device"/>.</summary>
    public Conditioning To(Device device) => new()
    {
        ClassLabels = ClassLabels?.to(device),
        LowResolution = LowResolution?.to(device),
        AugmentationLevel = AugmentationLevel?.to(device),
        AugmentationLabels = AugmentationLabels?.to(device),
        Unconditional = Unconditional?.to(device),
    };

    private static Tensor? CatKind(Tensor? first, Tensor? second, string kind) => (first, second) switch
    {
        (null, null) => null,
        ({ } a, { } b) => cat([a, b.to(a.device)], 0),
        _ => throw new ArgumentException($"Only conditions of the same kinds can be concatenated; {kind} is in one of them only."),
    };

    private static Tensor MaskOf(Conditioning c, long batch) =>
        c.Unconditional ?? zeros(batch, ScalarType.Bool, c.Tensors.First().device);
}
