using SharpDiffusion.Config;

namespace SharpDiffusion.Data;

/// <summary>Brings one decoded image to the square training size and channel count by a <see cref="ResizePolicy"/>.</summary>
internal static class ResizePipeline
{
    /// <summary>
    /// pixels: interleaved 8-bit, <paramref name="pixelStride"/> bytes per pixel of which the first
    /// <paramref name="sourceChannels"/> (1 or 3) are used. Returns planar uint8 [channels, size, size].
    /// </summary>
    public static byte[] Apply(
        ReadOnlySpan<byte> pixels, int width, int height, int pixelStride, int sourceChannels,
        int size, int channels, ResizePolicy policy)
    {
        var (x0, y0, regionWidth, regionHeight) = policy == ResizePolicy.CenterCrop
            ? CentredSquare(width, height)
            : (0, 0, width, height);
        var (outWidth, outHeight) = policy == ResizePolicy.Pad ? FitInside(width, height, size) : (size, size);

        var planes = Resampler.Resize(pixels, width * pixelStride, pixelStride, sourceChannels,
            x0, y0, regionWidth, regionHeight, outWidth, outHeight);
        if (sourceChannels == 3 && channels == 1)
            planes = Luma(planes, outWidth * outHeight);

        var planeCount = Math.Min(sourceChannels, channels);
        var canvas = new float[planeCount * size * size];
        var left = (size - outWidth) / 2;
        var top = (size - outHeight) / 2;
        for (var c = 0; c < planeCount; c++)
        {
            if (outWidth != size || outHeight != size)
                canvas.AsSpan(c * size * size, size * size).Fill(BorderMean(planes, c, outWidth, outHeight));
            for (var y = 0; y < outHeight; y++)
                planes.AsSpan(((c * outHeight) + y) * outWidth, outWidth).CopyTo(canvas.AsSpan((((c * size) + top + y) * size) + left));
        }

        var result = new byte[channels * size * size];
        for (var c = 0; c < channels; c++)
        {
            var from = canvas.AsSpan((c % planeCount) * size * size, size * size);
            var to = result.AsSpan(c * size * size, size * size);
            for (var i = 0; i < from.Length; i++)
                to[i] = ToByte(from[i]);
        }

        return result;
    }

    /// <summary>Rounds half up and clamps; the resampler's weights are non-negative, so values only leave 0..255 by float error.</summary>
    public static byte ToByte(float value) => (byte)Math.Clamp(MathF.Floor(value + 0.5f), 0f, 255f);

    private static (int X0, int Y0, int Width, int Height) CentredSquare(int width, int height)
    {
        var side = Math.Min(width, height);
        return ((width - side) / 2, (height - side) / 2, side, side);
    }

    private static (int Width, int Height) FitInside(int width, int height, int size) =>
        width >= height
            ? (size, Math.Max(1, (int)Math.Round((double)height * size / width)))
            : (Math.Max(1, (int)Math.Round((double)width * size / height)), size);

    /// <summary>ITU-R BT.601 luma, the weights PIL's convert("L") uses.</summary>
    private static float[] Luma(float[] rgbPlanes, int planeSize)
    {
        var gray = new float[planeSize];
        for (var i = 0; i < planeSize; i++)
            gray[i] = (0.299f * rgbPlanes[i]) + (0.587f * rgbPlanes[planeSize + i]) + (0.114f * rgbPlanes[(2 * planeSize) + i]);
        return gray;
    }

    /// <summary>Mean of the outermost ring of pixels of one plane: the single colour the pad policy fills with.</summary>
    private static float BorderMean(float[] planes, int channel, int width, int height)
    {
        var plane = planes.AsSpan(channel * width * height, width * height);
        var sum = 0.0;
        var count = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (y != 0 && y != height - 1 && x != 0 && x != width - 1)
                    continue;
                sum += plane[(y * width) + x];
                count++;
            }
        }

        return (float)(sum / count);
    }
}
