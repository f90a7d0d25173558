using TorchSharp;

namespace SharpDiffusion.Data;

/// <summary>A whole training set decoded once: uint8 images [N, C, H, W] on the CPU and their class labels. Owns both tensors.</summary>
public sealed class ImageDataset : IDisposable
{
    public ImageDataset(torch.Tensor images, torch.Tensor labels, IReadOnlyList<string> classNames, string contentHash)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentException.ThrowIfNullOrEmpty(contentHash);
        if (images.dtype != torch.ScalarType.Byte || images.dim() != 4)
            throw new ArgumentException($"Images must be a uint8 tensor [N, C, H, W], got {images.dtype} with shape [{string.Join(", ", images.shape)}].", nameof(images));
        if (images.shape[2] != images.shape[3])
            throw new ArgumentException($"Images must be square, got {images.shape[2]}×{images.shape[3]}.", nameof(images));
        if (images.shape[1] is not (1 or 3))
            throw new ArgumentException($"Images must have 1 or 3 channels, got {images.shape[1]}.", nameof(images));
        if (labels.dtype != torch.ScalarType.Int64 || labels.dim() != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"Labels must be an int64 tensor [{images.shape[0]}], got {labels.dtype} with shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (classNames.Count == 0)
            throw new ArgumentException("At least one class name is needed.", nameof(classNames));
        if (labels.shape[0] > 0 && !LabelsInRange(labels, classNames.Count))
            throw new ArgumentException($"Labels must index into the {classNames.Count} class names.", nameof(labels));

        Images = images;
        Labels = labels;
        ClassNames = classNames;
        ContentHash = contentHash;
    }

    /// <summary>uint8 [N, C, H, W] on the CPU.</summary>
    public torch.Tensor Images { get; }

    /// <summary>int64 [N], an index into <see cref="ClassNames"/>.</summary>
    public torch.Tensor Labels { get; }

    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Hex SHA-256 over the source bytes and every setting that changes the decoded tensor.</summary>
    public string ContentHash { get; }

    public int Count => (int)Images.shape[0];

    public int Channels => (int)Images.shape[1];

    public int ImageSize => (int)Images.shape[2];

    private static bool LabelsInRange(torch.Tensor labels, int classCount)
    {
        using var lowest = labels.min();
        using var highest = labels.max();
        return lowest.item<long>() >= 0 && highest.item<long>() < classCount;
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
