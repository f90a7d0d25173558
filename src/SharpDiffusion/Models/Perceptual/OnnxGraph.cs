using Google.Protobuf;

namespace SharpDiffusion.Models.Perceptual;

/// <summary>One operator of an ONNX graph: its type, tensor names in and out, and its int and float attributes.</summary>
public sealed record OnnxNode(string OpType, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs,
    IReadOnlyDictionary<string, long[]> Ints, IReadOnlyDictionary<string, float> Floats)
{
    public long[] IntsOr(string name, params long[] fallback) => Ints.TryGetValue(name, out var v) ? v : fallback;
}

/// <summary>A float32 initializer (a weight) of an ONNX graph.</summary>
public sealed record OnnxInitializer(string Name, long[] Dims, float[] Values);

/// <summary>
/// The nodes (in file order, which ONNX requires to be topological) and float initializers of an ONNX model, read by field
/// number with Google.Protobuf's wire reader, as <see cref="Evaluation.OnnxBatchDimension"/> does, instead of generating the
/// ONNX message classes. Field numbers from onnx/onnx.proto: ModelProto.graph = 7; GraphProto.node = 1, initializer = 5;
/// NodeProto.input = 1, output = 2, op_type = 4, attribute = 5; AttributeProto.name = 1, f = 2, i = 3, floats = 7, ints = 8;
/// TensorProto.dims = 1, data_type = 2, float_data = 4, name = 8, raw_data = 9.
/// </summary>
public sealed class OnnxGraph
{
    private const int FloatType = 1;

    private OnnxGraph(List<OnnxNode> nodes, Dictionary<string, OnnxInitializer> initializers)
    {
        Nodes = nodes;
        Initializers = initializers;
    }

    public IReadOnlyList<OnnxNode> Nodes { get; }

    public IReadOnlyDictionary<string, OnnxInitializer> Initializers { get; }

    /// <exception cref="InvalidDataException">The bytes are not an ONNX model with one graph, or a weight is not float32.</exception>
    public static OnnxGraph Read(byte[] model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var nodes = new List<OnnxNode>();
        var initializers = new Dictionary<string, OnnxInitializer>(StringComparer.Ordinal);
        int graphs = 0;
        try
        {
            foreach (var (field, value) in LengthDelimited(ByteString.CopyFrom(model)))
            {
                if (field != 7) continue;
                graphs++;
                foreach (var (graphField, item) in LengthDelimited(value))
                {
                    if (graphField == 1) nodes.Add(ReadNode(item));
                    else if (graphField == 5 && ReadInitializer(item) is { } init) initializers[init.Name] = init;
                }
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"the file is not a readable ONNX model ({e.Message})", e);
        }
        if (graphs != 1) throw new InvalidDataException($"the ONNX model holds {graphs} graphs instead of one");
        return new OnnxGraph(nodes, initializers);
    }

    private static OnnxNode ReadNode(ByteString bytes)
    {
        var inputs = new List<string>();
        var outputs = new List<string>();
        string opType = "";
        var ints = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var floats = new Dictionary<string, float>(StringComparer.Ordinal);
        foreach (var (field, value) in LengthDelimited(bytes))
        {
            switch (field)
            {
                case 1: inputs.Add(value.ToStringUtf8()); break;
                case 2: outputs.Add(value.ToStringUtf8()); break;
                case 4: opType = value.ToStringUtf8(); break;
                case 5: ReadAttribute(value, ints, floats); break;
            }
        }
        return new OnnxNode(opType, inputs, outputs, ints, floats);
    }

    private static void ReadAttribute(ByteString bytes, Dictionary<string, long[]> ints, Dictionary<string, float> floats)
    {
        string name = "";
        var values = new List<long>();
        float? single = null;
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            if (field == 1 && wire == WireFormat.WireType.LengthDelimited) name = input.ReadString();
            else if (field == 2 && wire == WireFormat.WireType.Fixed32) single = input.ReadFloat();
            else if ((field == 3 || field == 8) && wire == WireFormat.WireType.Varint) values.Add(input.ReadInt64());
            else if (field == 8 && wire == WireFormat.WireType.LengthDelimited) values.AddRange(PackedInt64(input.ReadBytes()));
            else input.SkipLastField();
        }
        if (values.Count > 0) ints[name] = [.. values];
        if (single is float f) floats[name] = f;
    }

    private static OnnxInitializer? ReadInitializer(ByteString bytes)
    {
        var dims = new List<long>();
        var values = new List<float>();
        byte[]? raw = null;
        string name = "";
        int dataType = 0;
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            if (field == 1 && wire == WireFormat.WireType.Varint) dims.Add(input.ReadInt64());
            else if (field == 1 && wire == WireFormat.WireType.LengthDelimited) dims.AddRange(PackedInt64(input.ReadBytes()));
            else if (field == 2 && wire == WireFormat.WireType.Varint) dataType = input.ReadInt32();
            else if (field == 4 && wire == WireFormat.WireType.LengthDelimited) values.AddRange(PackedFloats(input.ReadBytes()));
            else if (field == 4 && wire == WireFormat.WireType.Fixed32) values.Add(input.ReadFloat());
            else if (field == 8 && wire == WireFormat.WireType.LengthDelimited) name = input.ReadString();
            else if (field == 9 && wire == WireFormat.WireType.LengthDelimited) raw = input.ReadBytes().ToByteArray();
            else input.SkipLastField();
        }
        if (dataType != FloatType) return null; // the graphs read here hold float32 weights only; shape constants are not needed
        float[] data = raw is null ? [.. values] : System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(raw).ToArray(); // raw_data is little-endian, as is x64
        long expected = dims.Aggregate(1L, (a, b) => a * b);
        if (data.Length != expected) throw new InvalidDataException($"the ONNX weight '{name}' holds {data.Length} values for shape [{string.Join(", ", dims)}]");
        return new OnnxInitializer(name, [.. dims], data);
    }

    private static List<(int Field, ByteString Value)> LengthDelimited(ByteString message)
    {
        var result = new List<(int, ByteString)>();
        var input = message.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited) result.Add((WireFormat.GetTagFieldNumber(tag), input.ReadBytes()));
            else input.SkipLastField();
        }
        return result;
    }

    private static List<long> PackedInt64(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        var values = new List<long>();
        while (!input.IsAtEnd) values.Add(input.ReadInt64());
        return values;
    }

    private static float[] PackedFloats(ByteString bytes) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.Span).ToArray();
}
