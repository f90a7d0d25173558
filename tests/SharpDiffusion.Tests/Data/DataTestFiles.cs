using SkiaSharp;

namespace SharpDiffusion.Tests.Data;

/// <summary>A fresh temporary folder, deleted on dispose.</summary>
internal sealed class DataTempFolder : IDisposable
{
    public DataTempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "sd-data-tests-" + Guid.NewGuid().ToString("N"));

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(Path))
            Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Writes test images whose pixels the test chooses, in the formats the loader must read.</summary>
internal static class DataTestFiles
{
    public delegate (byte R, byte G, byte B, byte A) PixelAt(int x, int y);

    public static PixelAt Solid(byte r, byte g, byte b) => (_, _) => (r, g, b, 255);

    public static byte[] Encode(SKEncodedImageFormat format, int width, int height, PixelAt pixel)
    {
        if (format == SKEncodedImageFormat.Bmp)
            return EncodeBmp(width, height, pixel);
        using var bitmap = Bitmap(width, height, pixel);
        using var pixmap = bitmap.PeekPixels();
        using var data = format switch
        {
            SKEncodedImageFormat.Webp => pixmap.Encode(new SKWebpEncoderOptions(SKWebpEncoderCompression.Lossless, 100)),
            SKEncodedImageFormat.Jpeg => pixmap.Encode(new SKJpegEncoderOptions(100, SKJpegEncoderDownsample.Downsample444, SKJpegEncoderAlphaOption.Ignore)),
            _ => pixmap.Encode(format, 100),
        };
        return data?.ToArray() ?? throw new InvalidOperationException($"Skia could not encode {format}.");
    }

    /// <summary>Same shape, dtype and every element equal.</summary>
    public static bool SameTensor(TorchSharp.torch.Tensor a, TorchSharp.torch.Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape))
            return false;
        using var equal = a.eq(b);
        using var all = equal.all();
        return all.item<bool>();
    }

    public static string Write(string path, SKEncodedImageFormat format, int width, int height, PixelAt pixel)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, Encode(format, width, height, pixel));
        return path;
    }

    /// <summary>A single-channel (PNG colour type 0) image with every pixel equal to <paramref name="value"/>.</summary>
    public static string WriteGrayPng(string path, int width, int height, byte value)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        bitmap.Erase(new SKColor(value, value, value));
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    private static SKBitmap Bitmap(int width, int height, PixelAt pixel)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var span = bitmap.GetPixelSpan();
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (r, g, b, a) = pixel(x, y);
                var i = ((y * width) + x) * 4;
                span[i] = r;
                span[i + 1] = g;
                span[i + 2] = b;
                span[i + 3] = a;
            }
        }

        return bitmap;
    }

    /// <summary>24-bit uncompressed BMP (Skia cannot encode BMP): rows bottom-up, BGR, each row padded to 4 bytes.</summary>
    private static byte[] EncodeBmp(int width, int height, PixelAt pixel)
    {
        var rowBytes = ((width * 3) + 3) / 4 * 4;
        var imageBytes = rowBytes * height;
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        writer.Write((byte)'B');
        writer.Write((byte)'M');
        writer.Write(54 + imageBytes);
        writer.Write(0);
        writer.Write(54);
        writer.Write(40);
        writer.Write(width);
        writer.Write(height);
        writer.Write((short)1);
        writer.Write((short)24);
        writer.Write(0);
        writer.Write(imageBytes);
        writer.Write(2835);
        writer.Write(2835);
        writer.Write(0);
        writer.Write(0);
        for (var y = height - 1; y >= 0; y--)
        {
            for (var x = 0; x < width; x++)
            {
                var (r, g, b, _) = pixel(x, y);
                writer.Write(b);
                writer.Write(g);
                writer.Write(r);
            }

            for (var p = width * 3; p < rowBytes; p++)
                writer.Write((byte)0);
        }

        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>A valid PNG whose IHDR (and its CRC) is rewritten to declare <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static byte[] PngDeclaring(int width, int height)
    {
        var png = Encode(SKEncodedImageFormat.Png, 4, 4, Solid(1, 2, 3));
        // Signature (8) + length (4) + "IHDR" (4), then width and height big-endian; CRC covers type + data (17 bytes).
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }

        return ~crc;
    }
}
