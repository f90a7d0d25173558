using static TorchSharp.torch;

namespace SharpDiffusion.Data;

/// <summary>
/// The data pipeline's antialiased resize (<see cref="Resampler"/>, a triangle kernel widened by the downscale factor) on
/// float tensors: one weight matrix per axis, out = W_y · image · W_xᵀ. Linear, so it commutes with the [0, 255] → [−1, 1]
/// map: downscaling a training batch gives what the pipeline would have made from the same pixels, before rounding to bytes.
/// </summary>
public static class TensorResampler
{
    /// <param name="images">float [B, C, H, W].</param>
    /// <returns>float [B, C, <paramref name="outHeight"/>, <paramref name="outWidth"/>] on the images' device, in their dtype.</returns>
    public static Tensor Resize(Tensor images, int outHeight, int outWidth)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4) throw new ArgumentException($"Resize expects images [B, C, H, W], got [{string.Join(", ", images.shape)}].", nameof(images));
        ArgumentOutOfRangeException.ThrowIfLessThan(outHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outWidth, 1);
        int height = (int)images.shape[2], width = (int)images.shape[3];
        using var scope = NewDisposeScope();
        var vertical = tensor(Resampler.WeightMatrix(height, outHeight), [outHeight, height], ScalarType.Float32).to(images.device).to(images.dtype);
        var horizontal = tensor(Resampler.WeightMatrix(width, outWidth), [outWidth, width], ScalarType.Float32).to(images.device).to(images.dtype);
        var rows = matmul(images, horizontal.t()); // [B, C, H, outWidth]
        return matmul(vertical, rows).MoveToOuterDisposeScope();
    }
}
