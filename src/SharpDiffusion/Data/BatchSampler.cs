using SharpDiffusion.Sampling;
using TorchSharp;

namespace SharpDiffusion.Data;

/// <summary>
/// Draws training batches on the training device: the examples and labels are copied there once, and each batch is an
/// index draw, a gather, a conversion of uint8 images to [-1, 1] and an optional per-sample horizontal flip (for latents:
/// the mirror image's latent, <see cref="TrainingExamples.Mirrored"/>).
/// </summary>
public sealed class BatchSampler : IDisposable
{
    // held Scalars: see Scaled
    private static readonly Scalar FlipProbability = 0.5.ToScalar();

    private readonly torch.Tensor _images;
    private readonly torch.Tensor? _mirrored;
    private readonly torch.Tensor _labels;
    private readonly torch.Device _device;
    private readonly bool _hflip;

    public BatchSampler(ImageDataset data, torch.Device device, bool hflip)
        : this((data ?? throw new ArgumentNullException(nameof(data))).Images, null, data.Labels, device, hflip)
    {
    }

    public BatchSampler(TrainingExamples examples, torch.Device device, bool hflip)
        : this((examples ?? throw new ArgumentNullException(nameof(examples))).Examples, examples.Mirrored, examples.Labels, device, hflip)
    {
    }

    private BatchSampler(torch.Tensor examples, torch.Tensor? mirrored, torch.Tensor labels, torch.Device device, bool hflip)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (examples.shape[0] == 0)
            throw new ArgumentException("The dataset has no images to sample from.", nameof(examples));
        _device = device;
        _hflip = hflip;
        _images = OwnCopyOn(examples, device);
        _mirrored = mirrored is null ? null : OwnCopyOn(mirrored, device);
        _labels = OwnCopyOn(labels, device);
    }

    public int Count => (int)_images.shape[0];

    /// <summary>
    /// <paramref name="batchSize"/> indices uniform with replacement, then (when hflip) one uniform number per sample,
    /// flipping where it is below ½; both drawn from <paramref name="generator"/> on its own device, so a batch depends
    /// only on the generator's state. Returns float32 examples [B, C, H, W] (images in [-1, 1]) and int64 labels [B].
    /// </summary>
    public (torch.Tensor Images, torch.Tensor Labels) Next(int batchSize, torch.Generator generator)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = torch.NewDisposeScope();
        var drawDevice = generator.device;
        var indices = torch.randint(0, Count, [batchSize], torch.int64, drawDevice, generator: generator).to(_device);
        var images = InModelSpace(_images.index_select(0, indices));
        if (_hflip)
        {
            var flip = torch.rand([batchSize], torch.float32, drawDevice, generator: generator).lt(FlipProbability).to(_device).view(batchSize, 1, 1, 1);
            var mirrored = _mirrored is null ? images.flip(3) : _mirrored.index_select(0, indices);
            images = torch.where(flip, mirrored, images);
        }

        var labels = _labels.index_select(0, indices);
        return (images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    /// <summary>uint8 images to [-1, 1]; float examples (latents) are in the model's space already.</summary>
    private static torch.Tensor InModelSpace(torch.Tensor examples) =>
        examples.dtype == torch.ScalarType.Byte ? ImageCodec.FromUint8(examples) : examples;

    public void Dispose()
    {
        _images.Dispose();
        _mirrored?.Dispose();
        _labels.Dispose();
    }

    /// <summary>A tensor this sampler may dispose: a device copy, or on the same device an alias sharing the storage.</summary>
    private static torch.Tensor OwnCopyOn(torch.Tensor source, torch.Device device)
    {
        var moved = source.to(device);
        return ReferenceEquals(moved, source) ? source.alias() : moved;
    }
}
