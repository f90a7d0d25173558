using System.Runtime.InteropServices;
using Google.Protobuf;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Turns the fixed batch dimension (1) of an ONNX model's named graph inputs and outputs into a symbolic one, so that
/// ONNX Runtime accepts a batch of any size. The model is an ONNX <c>ModelProto</c>; rather than generating the ONNX
/// message classes, the few fields on the way are rewritten here by field number and every other field is copied
/// byte for byte. Field numbers from onnx/onnx.proto: ModelProto.graph = 7; GraphProto.input = 11, output = 12,
/// value_info = 13; ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1; TypeProto.Tensor.shape = 2;
/// TensorShapeProto.dim = 1; Dimension.dim_value = 1, dim_param = 2.
/// </summary>
public static class OnnxBatchDimension
{
    private const int ModelGraph = 7;
    private const int GraphInput = 11;
    private const int GraphOutput = 12;
    private const int GraphValueInfo = 13;
    private const int ValueInfoName = 1;
    private const int ValueInfoType = 2;
    private const int TypeTensorType = 1;
    private const int TensorShape = 2;
    private const int ShapeDim = 1;
    private const int DimValue = 1;
    private const int DimParam = 2;

    /// <summary>
    /// Returns a copy of <paramref name="model"/> whose graph inputs and outputs named in <paramref name="names"/>
    /// have the symbolic first dimension <paramref name="dimName"/> instead of 1. The graph's value_info (optional
    /// shape hints for intermediate tensors, written for batch 1) is dropped, since it would contradict larger
    /// batches; ONNX Runtime infers those shapes itself.
    /// </summary>
    /// <exception cref="InvalidDataException">A named tensor is missing or its first dimension is not the fixed 1.</exception>
    public static byte[] MakeSymbolic(byte[] model, IReadOnlyCollection<string> names, string dimName = "batch")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentException.ThrowIfNullOrEmpty(dimName);
        var rewritten = new HashSet<string>(StringComparer.Ordinal);
        var graphs = 0;
        var result = RewriteFields(model, (field, value) =>
        {
            if (field != ModelGraph)
            {
                return value;
            }

            graphs++;
            return RewriteFields(value, (graphField, graphValue) => graphField switch
            {
                GraphValueInfo => null,
                GraphInput or GraphOutput when names.Contains(NameOf(graphValue)) => RewriteValueInfo(graphValue, dimName, rewritten),
                _ => graphValue,
            });
        });

        if (graphs != 1)
        {
            throw new InvalidDataException($"The ONNX model holds {graphs} graphs instead of one.");
        }

        var missing = names.Where(name => !rewritten.Contains(name)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"The ONNX graph has no input or output named {string.Join(", ", missing.Select(name => $"'{name}'"))}.");
        }

        return result.ToByteArray();
    }

    private static ByteString RewriteValueInfo(ByteString valueInfo, string dimName, HashSet<string> rewritten)
    {
        var name = NameOf(valueInfo);
        var firstDims = 0;
        var result = RewriteFields(valueInfo, (field, type) => field != ValueInfoType ? type : RewriteFields(type, (typeField, tensor) =>
            typeField != TypeTensorType ? tensor : RewriteFields(tensor, (tensorField, shape) =>
                tensorField != TensorShape ? shape : RewriteFields(shape, (shapeField, dim) =>
                {
                    if (shapeField != ShapeDim || firstDims++ > 0)
                    {
                        return dim;
                    }

                    if (FixedValueOf(dim) != 1)
                    {
                        throw new InvalidDataException($"The ONNX tensor '{name}' does not have the fixed batch dimension 1.");
                    }

                    return Message(o =>
                    {
                        o.WriteTag(DimParam, WireFormat.WireType.LengthDelimited);
                        o.WriteString(dimName);
                    });
                }))));

        if (firstDims == 0)
        {
            throw new InvalidDataException($"The ONNX tensor '{name}' has no shape.");
        }

        rewritten.Add(name);
        return result;
    }

    private static string NameOf(ByteString valueInfo)
    {
        var input = Input(valueInfo);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == ValueInfoName && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                return input.ReadString();
            }

            input.SkipLastField();
        }

        return string.Empty;
    }

    private static long? FixedValueOf(ByteString dimension)
    {
        var input = Input(dimension);
        uint tag;
        long? value = null;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == DimValue && WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint)
            {
                value = input.ReadInt64();
            }
            else
            {
                input.SkipLastField();
            }
        }

        return value;
    }

    /// <summary>
    /// Copies a message field by field; each length-delimited field (a submessage, string or packed array) goes
    /// through <paramref name="rewrite"/>, which returns its new bytes or null to drop it. Other fields are copied as is.
    /// </summary>
    private static ByteString RewriteFields(ByteString message, Func<int, ByteString, ByteString?> rewrite) => RewriteFields(Array(message), rewrite);

    private static ByteString RewriteFields(ArraySegment<byte> message, Func<int, ByteString, ByteString?> rewrite) => Message(output =>
    {
        var input = new CodedInputStream(message.Array!, message.Offset, message.Count);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            var wireType = WireFormat.GetTagWireType(tag);
            switch (wireType)
            {
                case WireFormat.WireType.Varint:
                    output.WriteTag(tag);
                    output.WriteUInt64(input.ReadUInt64());
                    break;
                case WireFormat.WireType.Fixed64:
                    output.WriteTag(tag);
                    output.WriteFixed64(input.ReadFixed64());
                    break;
                case WireFormat.WireType.Fixed32:
                    output.WriteTag(tag);
                    output.WriteFixed32(input.ReadFixed32());
                    break;
                case WireFormat.WireType.LengthDelimited:
                    var value = rewrite(field, input.ReadBytes());
                    if (value is not null)
                    {
                        output.WriteTag(tag);
                        output.WriteBytes(value);
                    }

                    break;
                default:
                    throw new InvalidDataException($"The ONNX model uses protobuf wire type {wireType} (field {field}), which ONNX files do not contain.");
            }
        }
    });

    private static ByteString RewriteFields(byte[] message, Func<int, ByteString, ByteString?> rewrite) => RewriteFields(new ArraySegment<byte>(message), rewrite);

    private static CodedInputStream Input(ByteString message)
    {
        var segment = Array(message);
        return new CodedInputStream(segment.Array!, segment.Offset, segment.Count);
    }

    /// <summary>The bytes of a ByteString without copying them (ReadBytes returns array-backed ByteStrings).</summary>
    private static ArraySegment<byte> Array(ByteString value) =>
        MemoryMarshal.TryGetArray(value.Memory, out var segment) ? segment : new ArraySegment<byte>(value.ToByteArray());

    private static ByteString Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            write(output);
        }

        // The buffer is not used again, so the ByteString may wrap it without a copy.
        return UnsafeByteOperations.UnsafeWrap(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
    }
}
