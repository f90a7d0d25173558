using System.Diagnostics.CodeAnalysis;

namespace SharpDiffusion.Data;

/// <summary>
/// Netpbm graymaps and pixmaps (netpbm.sourceforge.net/doc/pgm.html, ppm.html), which pytorch-fid reads through PIL
/// and SkiaSharp does not: P2/P3 (plain, ASCII) and P5/P6 (raw). Header: magic, width, height, maxval as whitespace-
/// separated decimals, '#' comments to the end of a line; raw data follows one whitespace byte, one byte per sample
/// when maxval &lt; 256, else two, big-endian. Samples are scaled to 8 bits as round(v·255/maxval), which is exact
/// for maxval 255 and what PIL does for smaller maxvals (it keeps 16-bit graymaps as 16-bit integers, which its
/// RGB conversion then clips; we scale them like the rest).
/// </summary>
internal static class NetpbmDecoder
{
    /// <summary>"P2", "P3", "P5" or "P6" followed by whitespace.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 3 && data[0] == 'P' && data[1] is (byte)'2' or (byte)'3' or (byte)'5' or (byte)'6' && IsSpace(data[2]);

    public static bool TryDecode(byte[] data, [NotNullWhen(true)] out DecodedImage? image, [NotNullWhen(false)] out string? reason)
    {
        image = null;
        var kind = (char)data[1];
        var channels = kind is '3' or '6' ? 3 : 1;
        var plain = kind is '2' or '3';
        var position = 2;
        if (!TryNumber(data, ref position, out var width) || !TryNumber(data, ref position, out var height) || !TryNumber(data, ref position, out var maxval))
        {
            reason = $"malformed P{kind} header";
            return false;
        }

        if (maxval is < 1 or > 65535)
        {
            reason = $"P{kind} maxval {maxval} is outside 1–65535";
            return false;
        }

        if (width < 1 || height < 1 || width > ImageDecoder.MaxSide || height > ImageDecoder.MaxSide || width * height > ImageDecoder.MaxPixels)
        {
            reason = $"{width}×{height} pixels is beyond the {ImageDecoder.MaxSide}-pixel side or {ImageDecoder.MaxPixels / 1_000_000}-megapixel limit";
            return false;
        }

        var samples = width * height * channels;
        var values = new int[samples];
        if (plain)
        {
            for (long i = 0; i < samples; i++)
            {
                if (!TryNumber(data, ref position, out var v) || v > maxval)
                {
                    reason = $"truncated or corrupt P{kind} data at sample {i} of {samples}";
                    return false;
                }

                values[i] = (int)v;
            }
        }
        else
        {
            position++; // the single whitespace byte after maxval
            var bytesPerSample = maxval < 256 ? 1 : 2;
            if (data.Length - (long)position < samples * bytesPerSample)
            {
                reason = $"truncated P{kind} data: {Math.Max(0, data.Length - position)} of {samples * bytesPerSample} bytes";
                return false;
            }

            for (long i = 0; i < samples; i++)
            {
                values[i] = bytesPerSample == 1 ? data[position + i] : (data[position + (2 * i)] << 8) | data[position + (2 * i) + 1];
                if (values[i] > maxval)
                {
                    reason = $"corrupt P{kind} data: sample {values[i]} above maxval {maxval}";
                    return false;
                }
            }
        }

        var rgba = new byte[width * height * 4];
        for (long p = 0; p < width * height; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                var v = values[(p * channels) + (channels == 3 ? c : 0)];
                rgba[(4 * p) + c] = (byte)(((v * 255L * 2) + maxval) / (2 * maxval)); // round half up of v·255/maxval
            }

            rgba[(4 * p) + 3] = 255;
        }

        image = new DecodedImage((int)width, (int)height, rgba);
        reason = null;
        return true;
    }

    /// <summary>Skips whitespace and comments, then reads a decimal number (at most 9 digits: no overflow).</summary>
    private static bool TryNumber(byte[] data, ref int position, out long value)
    {
        value = 0;
        while (position < data.Length && (IsSpace(data[position]) || data[position] == '#'))
        {
            if (data[position] == '#')
            {
                while (position < data.Length && data[position] != '\n' && data[position] != '\r') position++;
            }
            else
            {
                position++;
            }
        }

        var digits = 0;
        while (position < data.Length && data[position] is >= (byte)'0' and <= (byte)'9' && digits < 10)
        {
            value = (value * 10) + (data[position++] - '0');
            digits++;
        }

        return digits is > 0 and < 10 && (position == data.Length || !char.IsAsciiDigit((char)data[position]));
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0b or 0x0c;
}
