using System.Buffers.Binary;
using Google.Protobuf;
using SharpDiffusion.Reporting.TensorBoard;

namespace SharpDiffusion.Tests.Reporting;

/// <summary>Test-side reader of TFRecord files and the Event fields we write, to check the writer from the outside.</summary>
internal static class TfRecordReader
{
    public static List<byte[]> ReadRecords(byte[] file)
    {
        var records = new List<byte[]>();
        int at = 0;
        while (at < file.Length)
        {
            var span = file.AsSpan(at);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(span);
            uint lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
            if (lengthCrc != Crc32C.Masked(span[..8])) throw new InvalidDataException($"length CRC mismatch at byte {at}");
            var data = span.Slice(12, (int)length).ToArray();
            uint dataCrc = BinaryPrimitives.ReadUInt32LittleEndian(span[(12 + (int)length)..]);
            if (dataCrc != Crc32C.Masked(data)) throw new InvalidDataException($"data CRC mismatch at byte {at}");
            records.Add(data);
            at += 12 + (int)length + 4;
        }
        return records;
    }

    internal sealed record DecodedEvent(double WallTime, long Step, string? FileVersion, List<DecodedValue> Values, int? SessionStatus);

    internal sealed record DecodedValue(string Tag, float? Simple, DecodedImage? Image);

    internal sealed record DecodedImage(int Height, int Width, int Colorspace, byte[] Png);

    public static DecodedEvent DecodeEvent(byte[] data)
    {
        var input = new CodedInputStream(data);
        double wall = 0;
        long step = 0;
        string? version = null;
        int? status = null;
        var values = new List<DecodedValue>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: wall = input.ReadDouble(); break;
                case 2: step = input.ReadInt64(); break;
                case 3: version = input.ReadString(); break;
                case 5: values.AddRange(DecodeSummary(input.ReadBytes())); break;
                case 7: status = DecodeSessionStatus(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }
        return new DecodedEvent(wall, step, version, values, status);
    }

    private static IEnumerable<DecodedValue> DecodeSummary(ByteString summary)
    {
        var input = new CodedInputStream(summary.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1) yield return DecodeValue(input.ReadBytes());
            else input.SkipLastField();
        }
    }

    private static DecodedValue DecodeValue(ByteString value)
    {
        var input = new CodedInputStream(value.ToByteArray());
        string name = "";
        float? simple = null;
        DecodedImage? image = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: name = input.ReadString(); break;
                case 2: simple = input.ReadFloat(); break;
                case 4: image = DecodeImage(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }
        return new DecodedValue(name, simple, image);
    }

    private static DecodedImage DecodeImage(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        int h = 0, w = 0, c = 0;
        byte[] png = [];
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: h = input.ReadInt32(); break;
                case 2: w = input.ReadInt32(); break;
                case 3: c = input.ReadInt32(); break;
                case 4: png = input.ReadBytes().ToByteArray(); break;
                default: input.SkipLastField(); break;
            }
        }
        return new DecodedImage(h, w, c, png);
    }

    private static int? DecodeSessionStatus(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1) return input.ReadEnum();
            input.SkipLastField();
        }
        return null;
    }
}
