using System.Buffers.Binary;

namespace SharpDiffusion.Reporting.TensorBoard;

/// <summary>Width, height and channel count from a PNG's IHDR chunk (PNG spec §11.2.2), without decoding pixels.</summary>
public readonly record struct PngHeader(int Width, int Height, int Channels)
{
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static PngHeader Read(ReadOnlySpan<byte> png)
    {
        if (png.Length < 33 || !png[..8].SequenceEqual(Signature) || !png[12..16].SequenceEqual("IHDR"u8))
            throw new InvalidDataException("not a PNG file (no PNG signature and IHDR chunk).");
        int width = BinaryPrimitives.ReadInt32BigEndian(png[16..]);
        int height = BinaryPrimitives.ReadInt32BigEndian(png[20..]);
        int channels = png[25] switch
        {
            0 => 1, // greyscale
            2 => 3, // RGB
            3 => 3, // palette, shown as RGB
            4 => 2, // greyscale + alpha
            6 => 4, // RGBA
            byte t => throw new InvalidDataException($"PNG colour type {t} is not defined by the PNG specification."),
        };
        return new PngHeader(width, height, channels);
    }
}
