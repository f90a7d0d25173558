using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.PyTorch;

/// <summary>
/// The storage classes a torch.save pickle names (<c>torch.FloatStorage</c>, …) with their element types, and the one way
/// both file formats turn a storage's raw little-endian bytes into a tensor.
/// </summary>
internal static class TorchStorage
{
    /// <summary>Storage class name → element type and size in bytes: every dtype a state dict of a diffusion model holds.</summary>
    public static readonly IReadOnlyDictionary<string, (ScalarType Type, int Size)> Types = new Dictionary<string, (ScalarType, int)>(StringComparer.Ordinal)
    {
        ["FloatStorage"] = (ScalarType.Float32, 4),
        ["DoubleStorage"] = (ScalarType.Float64, 8),
        ["HalfStorage"] = (ScalarType.Float16, 2),
        ["BFloat16Storage"] = (ScalarType.BFloat16, 2),
        ["LongStorage"] = (ScalarType.Int64, 8),
        ["IntStorage"] = (ScalarType.Int32, 4),
        ["ShortStorage"] = (ScalarType.Int16, 2),
        ["CharStorage"] = (ScalarType.Int8, 1),
        ["ByteStorage"] = (ScalarType.Byte, 1),
        ["BoolStorage"] = (ScalarType.Bool, 1),
    };

    /// <summary>The storage type a pickle's <c>torch.XStorage</c> global names, or a sentence saying which ones are read.</summary>
    public static (ScalarType Type, int Size) Resolve(PickleGlobal type)
    {
        if (type.Module == "torch" && Types.TryGetValue(type.Name, out var known)) return known;
        throw new NotSupportedException($"it holds a {type}; only {string.Join(", ", Types.Keys.Select(k => "torch." + k))} are read");
    }

    /// <summary>A 1-D tensor of <paramref name="count"/> elements from raw little-endian bytes (at least count·size of them).</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> data, ScalarType type, int size, long count)
    {
        if (!BitConverter.IsLittleEndian) throw new NotSupportedException("PyTorch files can only be read on a little-endian machine");
        if (data.Length < count * size) throw new EndOfStreamException($"a storage of {count} elements has only {data.Length} bytes");
        var result = empty(count, dtype: type);
        data[..checked((int)(count * size))].CopyTo(result.bytes);
        return result;
    }

    /// <summary>The elements of <paramref name="storage"/> that (offset, size, stride) address, checked to lie inside it, as their own copy.</summary>
    public static Tensor View(string name, Tensor storage, long offset, long[] shape, long[] stride)
    {
        if (shape.Length != stride.Length || shape.Any(s => s < 0) || stride.Any(s => s < 0) || offset < 0)
            throw new InvalidDataException($"'{name}' has an invalid shape or stride");
        var last = offset + shape.Zip(stride, (s, st) => (s - 1) * st).Sum();
        if (shape.All(s => s > 0) && last >= storage.shape[0])
            throw new InvalidDataException($"'{name}' reaches element {last} of a storage of {storage.shape[0]}");
        return storage.as_strided(shape, stride, offset).contiguous().clone();
    }

    /// <summary>A tuple of integers (a tensor's size or stride) from a pickle.</summary>
    public static long[] Longs(object? value, string what)
        => value is object?[] items && items.All(i => i is long) ? items.Cast<long>().ToArray() : throw new InvalidDataException($"a tensor {what} that is not a tuple of integers");
}
