using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// One low-resolution image per output of a super-resolution stage, each noised at the fixed augmentation level
/// (<see cref="NoiseConditioningAugmentation.ForSampling"/>) with noise keyed by (seed, image index) only, drawn from a
/// stream of its own so it is independent of the sampler's x_T noise: image i's condition depends only on (seed, i).
/// </summary>
public sealed class LowResolutionSource : IConditioningSource
{
    // Separates the augmentation noise streams from the sampler's (SampleNoise keyed by the plain seed).
    private const long StreamSalt = 0x5A17_A06E_1E7E_1000;

    private readonly Tensor _images;
    private readonly double _level;
    private readonly long _seed;

    /// <param name="images">float [N, C, h, w] in [−1, 1]; not owned (the caller keeps it alive while sampling).</param>
    /// <param name="level">Augmentation level s ∈ [0, 1].</param>
    public LowResolutionSource(Tensor images, double level, long seed)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4) throw new ArgumentException($"low-resolution images must be [N, C, h, w], got [{string.Join(", ", images.shape)}]", nameof(images));
        if (level is < 0 or > 1 || double.IsNaN(level))
            throw new ArgumentOutOfRangeException(nameof(level), level, $"the augmentation level ({level}) must be in [0, 1]; 0.2 is the usual choice");
        _images = images;
        _level = level;
        _seed = seed;
    }

    public int Count => (int)_images.shape[0];

    public Conditioning Batch(int first, int count, Device device)
    {
        using var scope = NewDisposeScope();
        long[] shape = [_images.shape[1], _images.shape[2], _images.shape[3]];
        var noise = new SampleNoise(unchecked(_seed ^ StreamSalt), first, count, device).Next(shape);
        var images = _images.narrow(0, first, count).to(ScalarType.Float32).to(device);
        var condition = NoiseConditioningAugmentation.ForSampling(images, _level, noise);
        return condition with { LowResolution = condition.LowResolution!.MoveToOuterDisposeScope(), AugmentationLevel = condition.AugmentationLevel!.MoveToOuterDisposeScope() };
    }
}
