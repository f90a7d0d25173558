using System.Buffers.Binary;
using System.IO.Compression;

namespace SharpDiffusion.Data;

/// <summary>An IDX array of unsigned bytes: its dimensions and its data in row-major order.</summary>
internal sealed record IdxArray(int[] Dimensions, byte[] Data);

/// <summary>
/// Reads IDX files (LeCun's MNIST format, also used by Fashion-MNIST): a big-endian magic 0x000008DD where 08 means
/// unsigned bytes and DD the number of dimensions, then DD big-endian int32 sizes, then the data. Gzip is detected by content.
/// </summary>
internal static class IdxReader
{
    private const byte UnsignedByteType = 0x08;

    public static IdxArray Read(string path, int expectedDimensions)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"IDX file '{path}' could not be read ({e.Message}); check the path and its permissions.");
        }

        return Parse(MaybeGunzip(bytes, path), expectedDimensions, path);
    }

    public static IdxArray Parse(byte[] bytes, int expectedDimensions, string name)
    {
        var headerSize = 4 + (4 * expectedDimensions);
        if (bytes.Length < headerSize || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != UnsignedByteType || bytes[3] != expectedDimensions)
            throw new DataException($"File '{name}' is not an IDX file of unsigned bytes with {expectedDimensions} dimensions (magic 0x0000080{expectedDimensions}); check that it is the right Fashion-MNIST file.");

        var dimensions = new int[expectedDimensions];
        long total = 1;
        for (var d = 0; d < expectedDimensions; d++)
        {
            dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + (4 * d)));
            if (dimensions[d] < 0)
                throw new DataException($"IDX file '{name}' has a negative dimension; the file is damaged, reinstall or re-download it.");
            total *= dimensions[d];
        }

        if (bytes.Length - headerSize != total)
            throw new DataException($"IDX file '{name}' holds {bytes.Length - headerSize} data bytes but its header declares {total}; the file is truncated or damaged.");
        return new IdxArray(dimensions, bytes[headerSize..]);
    }

    private static byte[] MaybeGunzip(byte[] bytes, string path)
    {
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b)
            return bytes;
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new DataException($"Gzip file '{path}' is damaged ({e.Message}); reinstall or re-download it.");
        }
    }
}
