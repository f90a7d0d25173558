using System.Buffers.Binary;

namespace SharpDiffusion.Reporting.TensorBoard;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files: per record a little-endian uint64 length, the masked
/// CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data.
/// </summary>
public sealed class TfRecordWriter(Stream stream) : IDisposable
{
    public void Write(ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], Crc32C.Masked(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, Crc32C.Masked(data));
        stream.Write(header);
        stream.Write(data);
        stream.Write(footer);
    }

    public void Flush() => stream.Flush();

    public void Dispose() => stream.Dispose();
}
