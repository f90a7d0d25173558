using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>Where the image generator gets the condition of each batch: image i's condition depends only on i.</summary>
public interface IConditioningSource
{
    /// <summary>How many images this source has a condition for.</summary>
    int Count { get; }

    /// <summary>The condition of images <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1, on <paramref name="device"/>.</summary>
    Conditioning Batch(int first, int count, Device device);
}
