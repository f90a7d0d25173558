using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>One class label per image (a named class, the classes in turn, a class-balanced evaluation sample).</summary>
public sealed class ClassLabelSource(IReadOnlyList<long> labels) : IConditioningSource
{
    private readonly long[] _labels = [.. labels ?? throw new ArgumentNullException(nameof(labels))];

    public int Count => _labels.Length;

    public IReadOnlyList<long> Labels => _labels;

    public Conditioning Batch(int first, int count, Device device) =>
        Conditioning.Classes(tensor(_labels.AsSpan(first, count).ToArray(), device: device));
}
