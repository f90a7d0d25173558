namespace SharpDiffusion.Data;

/// <summary>
/// Separable resampling with a triangle (bilinear) kernel whose support widens with the downscale factor, so that
/// shrinking averages every source pixel instead of skipping most of them (the antialiased resize of PIL and of
/// torchvision with antialias=True).
/// </summary>
internal static class Resampler
{
    /// <summary>
    /// Resizes the region (x0, y0, width, height) of interleaved 8-bit pixels to outWidth × outHeight.
    /// Reads the first <paramref name="channels"/> bytes of each pixel; returns planar floats [channels, outHeight, outWidth] in 0..255.
    /// </summary>
    public static float[] Resize(
        ReadOnlySpan<byte> pixels, int rowStride, int pixelStride, int channels,
        int x0, int y0, int width, int height, int outWidth, int outHeight)
    {
        var horizontal = Taps.For(width, outWidth);
        var vertical = Taps.For(height, outHeight);

        var rows = new float[channels * height * outWidth];
        for (var y = 0; y < height; y++)
        {
            var rowStart = (y0 + y) * rowStride;
            for (var ox = 0; ox < outWidth; ox++)
            {
                var first = horizontal.Start[ox];
                var count = horizontal.Count[ox];
                var weightStart = ox * horizontal.MaxTaps;
                for (var c = 0; c < channels; c++)
                {
                    var sum = 0.0;
                    for (var k = 0; k < count; k++)
                        sum += horizontal.Weights[weightStart + k] * pixels[rowStart + ((x0 + first + k) * pixelStride) + c];
                    rows[(((c * height) + y) * outWidth) + ox] = (float)sum;
                }
            }
        }

        var result = new float[channels * outHeight * outWidth];
        for (var c = 0; c < channels; c++)
        {
            for (var oy = 0; oy < outHeight; oy++)
            {
                var first = vertical.Start[oy];
                var count = vertical.Count[oy];
                var weightStart = oy * vertical.MaxTaps;
                for (var ox = 0; ox < outWidth; ox++)
                {
                    var sum = 0.0;
                    for (var k = 0; k < count; k++)
                        sum += vertical.Weights[weightStart + k] * rows[(((c * height) + first + k) * outWidth) + ox];
                    result[(((c * outHeight) + oy) * outWidth) + ox] = (float)sum;
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The same resampling along one axis as a dense matrix, float [outSize, inSize]: row i holds output pixel i's normalised
    /// weights at its source pixels (<see cref="TensorResampler"/> applies it to tensors).
    /// </summary>
    public static float[] WeightMatrix(int inSize, int outSize)
    {
        var taps = Taps.For(inSize, outSize);
        var matrix = new float[outSize * inSize];
        for (var i = 0; i < outSize; i++)
            for (var k = 0; k < taps.Count[i]; k++)
                matrix[(i * inSize) + taps.Start[i] + k] = (float)taps.Weights[(i * taps.MaxTaps) + k];
        return matrix;
    }

    /// <summary>For each output index: the first source index, how many source pixels it reads, and their normalised weights.</summary>
    private sealed class Taps
    {
        public required int[] Start { get; init; }
        public required int[] Count { get; init; }
        public required double[] Weights { get; init; }
        public required int MaxTaps { get; init; }

        public static Taps For(int inSize, int outSize)
        {
            var scale = (double)inSize / outSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = filterScale; // the triangle kernel has radius 1 in output pixels
            var maxTaps = (int)Math.Ceiling(2 * support) + 1;
            var start = new int[outSize];
            var count = new int[outSize];
            var weights = new double[outSize * maxTaps];
            for (var i = 0; i < outSize; i++)
            {
                var center = (i + 0.5) * scale;
                var lo = Math.Max((int)Math.Floor(center - support + 0.5), 0);
                var hi = Math.Min((int)Math.Floor(center + support + 0.5), inSize);
                var total = 0.0;
                for (var x = lo; x < hi; x++)
                {
                    var w = Math.Max(0.0, 1.0 - Math.Abs((x + 0.5 - center) / filterScale));
                    weights[(i * maxTaps) + x - lo] = w;
                    total += w;
                }

                for (var x = lo; x < hi; x++)
                    weights[(i * maxTaps) + x - lo] /= total;
                start[i] = lo;
                count[i] = hi - lo;
            }

            return new Taps { Start = start, Count = count, Weights = weights, MaxTaps = maxTaps };
        }
    }
}
