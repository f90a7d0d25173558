using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// Side-by-side rows for looking at a super-resolution stage: per image the low-resolution input (nearest-neighbour, so its
/// pixels show), its bicubic upscale, the super-resolved output and, when given, the real high-resolution image.
/// </summary>
public static class UpscaleComparison
{
    /// <param name="low">float [N, C, h, w].</param>
    /// <param name="upscaled">float [N, C, H, W], same range as <paramref name="low"/>.</param>
    /// <param name="real">Optional float [N, C, H, W].</param>
    /// <returns>[N·k, C, H, W] in row order (k = 3, or 4 with <paramref name="real"/>); save it as a grid of k columns.</returns>
    public static Tensor Rows(Tensor low, Tensor upscaled, Tensor? real = null)
    {
        ArgumentNullException.ThrowIfNull(low);
        ArgumentNullException.ThrowIfNull(upscaled);
        using var scope = NewDisposeScope();
        long[] size = [upscaled.shape[2], upscaled.shape[3]];
        var nearest = nn.functional.interpolate(low, size, mode: InterpolationMode.Nearest);
        var bicubic = nn.functional.interpolate(low, size, mode: InterpolationMode.Bicubic, align_corners: false).clamp(Scaled.MinusOne, Scaled.One);
        var columns = new List<Tensor> { nearest, bicubic, upscaled.to(low.dtype) };
        if (real is not null) columns.Add(real.to(low.dtype));
        return stack(columns, 1).flatten(0, 1).MoveToOuterDisposeScope();
    }

    /// <summary>Columns of a grid of <see cref="Rows"/>.</summary>
    public static int Columns(bool withReal) => withReal ? 4 : 3;
}
