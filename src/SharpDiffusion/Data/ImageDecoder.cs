using System.Diagnostics.CodeAnalysis;
using SkiaSharp;

namespace SharpDiffusion.Data;

/// <summary>An image decoded to 8-bit RGBA whose alpha has already been composited over white (so alpha is 255).</summary>
internal sealed record DecodedImage(int Width, int Height, byte[] Rgba);

/// <summary>
/// Decodes JPEG, PNG, BMP, WebP (anything SkiaSharp reads), TIFF (<see cref="TiffDecoder"/>) and Netpbm P2/P3/P5/P6
/// (<see cref="NetpbmDecoder"/>) — every format of pytorch-fid's IMAGE_EXTENSIONS — with a size guard checked from the header.
/// </summary>
internal static class ImageDecoder
{
    /// <summary>Longest side accepted; larger headers are treated as decompression bombs and skipped.</summary>
    public const int MaxSide = 16384;

    /// <summary>Largest pixel count accepted (100 megapixels, about 400 MB as RGBA).</summary>
    public const long MaxPixels = 100_000_000;

    /// <summary>Throws <see cref="DataException"/> naming <paramref name="name"/> when the bytes are not a complete, acceptable image.</summary>
    public static DecodedImage Decode(byte[] encoded, string name) =>
        TryDecode(encoded, out var image, out var reason)
            ? image
            : throw new DataException($"Image '{name}' cannot be used ({reason}); fix, convert or remove it.");

    /// <summary>Decodes, or gives a short reason ("empty file", "truncated or corrupt", ...) why not.</summary>
    public static bool TryDecode(byte[] encoded, [NotNullWhen(true)] out DecodedImage? image, [NotNullWhen(false)] out string? reason)
    {
        image = null;
        if (encoded.Length == 0)
        {
            reason = "empty file";
            return false;
        }

        if (TiffDecoder.HasMagic(encoded))
        {
            return TiffDecoder.TryDecode(encoded, out image, out reason);
        }

        if (NetpbmDecoder.HasMagic(encoded))
        {
            return NetpbmDecoder.TryDecode(encoded, out image, out reason);
        }

        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            reason = "not a JPEG, PNG, BMP, WebP, TIFF or Netpbm (PGM/PPM) image";
            return false;
        }

        var width = codec.Info.Width;
        var height = codec.Info.Height;
        if (width <= 0 || height <= 0 || width > MaxSide || height > MaxSide || (long)width * height > MaxPixels)
        {
            reason = $"{width}×{height} pixels is beyond the {MaxSide}-pixel side or {MaxPixels / 1_000_000}-megapixel limit";
            return false;
        }

        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var rgba = new byte[info.BytesSize];
        var result = codec.GetPixels(info, rgba);
        if (result != SKCodecResult.Success)
        {
            reason = $"truncated or corrupt: {result}";
            return false;
        }

        CompositeOverWhite(rgba);
        image = new DecodedImage(width, height, rgba);
        reason = null;
        return true;
    }

    /// <summary>c' = round(c·α/255 + 255·(1 − α/255)), rounding halves up; then α = 255.</summary>
    internal static void CompositeOverWhite(Span<byte> rgba)
    {
        for (var i = 0; i < rgba.Length; i += 4)
        {
            int alpha = rgba[i + 3];
            if (alpha == 255)
                continue;
            var background = 255 * (255 - alpha);
            for (var c = 0; c < 3; c++)
                rgba[i + c] = (byte)(((rgba[i + c] * alpha) + background + 127) / 255);
            rgba[i + 3] = 255;
        }
    }
}
