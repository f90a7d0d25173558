using Google.Protobuf;

namespace SharpDiffusion.Reporting.TensorBoard;

/// <summary>
/// Encodes the few TensorBoard <c>Event</c> messages we write, field by field with protobuf's CodedOutputStream
/// (field numbers from tensorflow/core/util/event.proto and core/framework/summary.proto):
/// Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; SessionLog session_log = 7; }
/// Summary { repeated Value value = 1; }  Value { string tag = 1; float simple_value = 2; Image image = 4; }
/// Image { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; }
/// SessionLog { SessionStatus status = 1; } with START = 1.
/// </summary>
public static class EventEncoder
{
    public const string FileVersion = "brain.Event:2";

    public static byte[] FileVersionEvent(double wallTime) => Event(wallTime, 0, o =>
    {
        o.WriteTag(3, WireFormat.WireType.LengthDelimited);
        o.WriteString(FileVersion);
    });

    public static byte[] Scalar(double wallTime, long step, string tag, float value) => Event(wallTime, step, o =>
        WriteSummary(o, Message(v =>
        {
            v.WriteTag(1, WireFormat.WireType.LengthDelimited);
            v.WriteString(tag);
            v.WriteTag(2, WireFormat.WireType.Fixed32);
            v.WriteFloat(value);
        })));

    /// <param name="colorspace">1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.</param>
    public static byte[] Image(double wallTime, long step, string tag, int height, int width, int colorspace, ReadOnlySpan<byte> png)
    {
        var encoded = ByteString.CopyFrom(png);
        var image = Message(i =>
        {
            i.WriteTag(1, WireFormat.WireType.Varint);
            i.WriteInt32(height);
            i.WriteTag(2, WireFormat.WireType.Varint);
            i.WriteInt32(width);
            i.WriteTag(3, WireFormat.WireType.Varint);
            i.WriteInt32(colorspace);
            i.WriteTag(4, WireFormat.WireType.LengthDelimited);
            i.WriteBytes(encoded);
        });
        return Event(wallTime, step, o => WriteSummary(o, Message(v =>
        {
            v.WriteTag(1, WireFormat.WireType.LengthDelimited);
            v.WriteString(tag);
            v.WriteTag(4, WireFormat.WireType.LengthDelimited);
            v.WriteBytes(ByteString.CopyFrom(image));
        })));
    }

    /// <summary>
    /// SessionLog START at <paramref name="step"/>: TensorBoard then discards events of this file's run at steps ≥ step
    /// written before, which is what a resumed run needs (the log rows after the checkpoint were dropped too).
    /// </summary>
    public static byte[] SessionStart(double wallTime, long step) => Event(wallTime, step, o =>
    {
        o.WriteTag(7, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(Message(s =>
        {
            s.WriteTag(1, WireFormat.WireType.Varint);
            s.WriteEnum(1);
        })));
    });

    private static void WriteSummary(CodedOutputStream o, byte[] value)
    {
        o.WriteTag(5, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(Message(s =>
        {
            s.WriteTag(1, WireFormat.WireType.LengthDelimited);
            s.WriteBytes(ByteString.CopyFrom(value));
        })));
    }

    private static byte[] Event(double wallTime, long step, Action<CodedOutputStream> what) => Message(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Fixed64);
        o.WriteDouble(wallTime);
        if (step != 0)
        {
            o.WriteTag(2, WireFormat.WireType.Varint);
            o.WriteInt64(step);
        }
        what(o);
    });

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(output);
        }
        return buffer.ToArray();
    }
}
