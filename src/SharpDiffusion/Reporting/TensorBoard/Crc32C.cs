using System.Buffers.Binary;
using System.Numerics;

namespace SharpDiffusion.Reporting.TensorBoard;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of TFRecord framing, on top of <see cref="BitOperations.Crc32C(uint, ulong)"/>
/// (the SSE4.2/ARM instruction where present, a table otherwise). Standard init ~0 and final xor ~0.
/// </summary>
public static class Crc32C
{
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>TFRecord's masked CRC: rotate right by 15 and add a constant, so a CRC of data that itself holds CRCs stays well-mixed.</summary>
    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Compute(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xA282EAD8u);
    }
}
