using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Maps a batch of images to feature vectors (for FD, KID, precision/recall, memorisation) and, where the network
/// has a classifier head, to class logits (for IS). Every metric result records <see cref="Name"/>.
/// </summary>
public interface IFeatureExtractor : IDisposable
{
    /// <summary>Short stable identifier written next to every result, e.g. "resnet18".</summary>
    string Name { get; }

    int FeatureDim { get; }

    bool HasLogits { get; }

    /// <summary>
    /// What the logits are, written next to every IS: "unbiased" or "biased" for the Inception classifier
    /// (<see cref="Inception.InceptionLogits"/>), "module output" for a TorchScript network; null without logits.
    /// </summary>
    string? LogitsKind { get; }

    /// <summary>
    /// Features [B, FeatureDim] float32 and, when <see cref="HasLogits"/>, logits [B, K] float32, for uint8 images
    /// [B, 3, H, W] with values 0–255 in RGB order. Any H, W: extractors resize to their own input size.
    /// </summary>
    (torch.Tensor Features, torch.Tensor? Logits) Extract(torch.Tensor imagesUint8);
}
