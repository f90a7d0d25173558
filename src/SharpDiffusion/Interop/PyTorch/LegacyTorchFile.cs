using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.PyTorch;

/// <summary>
/// Reads a state dict written by torch.save in PyTorch's legacy (pre-1.6, non-zip) format, as torch/serialization.py
/// <c>_legacy_save</c> lays it out: five pickles — the magic number 0x1950a86a20f9469cfc6c, the protocol version 1001,
/// a sys_info dict, the object itself (tensors as <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)</c>
/// whose storages are persistent ids <c>('storage', type, key, location, numel, view_metadata)</c>), the list of storage
/// keys — then, for each listed key in order, an int64 element count and the storage's raw little-endian elements.
/// Tensors are rebuilt only after every storage is read, each as its own contiguous copy (a state dict needs no sharing).
/// </summary>
internal static class LegacyTorchFile
{
    private static readonly BigInteger MagicNumber = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
    private const long ProtocolVersion = 1001;

    private sealed record StorageRef(string Key, ScalarType Type, int Size, long Count);

    private sealed record TensorRef(StorageRef Storage, long Offset, long[] Size, long[] Stride);

    /// <summary>True when the stream starts like a legacy file: pickle PROTO, then the LONG1 magic number.</summary>
    public static bool LooksLegacy(ReadOnlySpan<byte> head) => head is [0x80, _, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, ..];

    /// <summary>
    /// The top-level dict of string keys to tensors. A malformed or unsupported file throws
    /// <see cref="InvalidDataException"/>, <see cref="EndOfStreamException"/> or <see cref="NotSupportedException"/>.
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(Stream stream)
    {
        var storages = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        var header = new RestrictedUnpickler(stream, Refuse, Refuse);
        if (header.Load() is not BigInteger magic || magic != MagicNumber) throw new InvalidDataException("it does not start with PyTorch's magic number");
        if (header.Load() is not ProtocolVersion) throw new InvalidDataException("its PyTorch protocol version is not 1001");
        if (header.Load() is not PickleDict sysInfo) throw new InvalidDataException("its sys_info record is missing");
        if (sysInfo.Entries.Any(e => e.Key is "little_endian" && e.Value is false)) throw new NotSupportedException("it was saved on a big-endian machine");

        var root = new RestrictedUnpickler(stream, Rebuild, id => Storage(id, storages)).Load();
        var keys = header.Load() as List<object?> ?? throw new InvalidDataException("the list of storage keys is missing");

        using var scope = NewDisposeScope();
        var data = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (key is not string name || !storages.TryGetValue(name, out var storage)) throw new InvalidDataException($"it lists storage '{key}' that no tensor uses");
            data[name] = ReadStorage(stream, storage);
        }

        var dict = root as PickleDict ?? throw new InvalidDataException($"it holds a {Describe(root)}, not a state dict");
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in dict.Entries)
        {
            if (key is not string name || value is not TensorRef tensor) throw new InvalidDataException($"entry '{key}' is a {Describe(value)}, not a tensor");
            if (!data.TryGetValue(tensor.Storage.Key, out var storageData)) throw new InvalidDataException($"the data of '{name}' is missing");
            result[name] = TorchStorage.View(name, storageData, tensor.Offset, tensor.Size, tensor.Stride).MoveToOuterDisposeScope();
        }

        return result;
    }

    private static object? Refuse(PickleGlobal global, object?[] args) => throw new InvalidDataException($"its header calls {global}");

    private static object? Refuse(object? id) => throw new InvalidDataException("its header has a persistent id");

    /// <summary>The only calls a state dict needs; anything else is refused rather than imitated.</summary>
    private static object? Rebuild(PickleGlobal global, object?[] args)
    {
        switch (global.ToString())
        {
            case "collections.OrderedDict" when args.Length == 0:
                return new PickleDict();
            case "torch._utils._rebuild_tensor_v2" when args.Length >= 4:
            case "torch._utils._rebuild_tensor" when args.Length == 4:
                var storage = args[0] as StorageRef ?? throw new InvalidDataException("a tensor without a storage");
                if (args[1] is not long offset) throw new InvalidDataException("a tensor without a storage offset");
                return new TensorRef(storage, offset, TorchStorage.Longs(args[2], "size"), TorchStorage.Longs(args[3], "stride"));
            case "torch._utils._rebuild_parameter" when args.Length >= 1 && args[0] is TensorRef:
                return args[0];
            default:
                throw new InvalidDataException($"it contains a Python object {global} that a state dict of tensors does not");
        }
    }

    private static StorageRef Storage(object? id, Dictionary<string, StorageRef> storages)
    {
        if (id is not object?[] { Length: 6 } fields || fields[0] is not "storage")
            throw new InvalidDataException("it has a persistent id that is not a ('storage', type, key, location, numel, view) record");
        if (fields[1] is not PickleGlobal { Module: "torch" } type || fields[2] is not string key || fields[4] is not long count || count < 0)
            throw new InvalidDataException("it has a malformed storage record");
        if (fields[5] is not null) throw new NotSupportedException("it uses storage views (PyTorch before 0.4)");
        var (scalarType, size) = TorchStorage.Resolve(type);

        if (storages.TryGetValue(key, out var known))
        {
            return known.Type == scalarType && known.Count == count ? known : throw new InvalidDataException($"storage '{key}' is declared twice with different types or sizes");
        }

        var storage = new StorageRef(key, scalarType, size, count);
        storages[key] = storage;
        return storage;
    }

    private static Tensor ReadStorage(Stream stream, StorageRef storage)
    {
        var header = new byte[8];
        stream.ReadExactly(header);
        var count = BitConverter.ToInt64(header);
        if (count != storage.Count) throw new InvalidDataException($"storage '{storage.Key}' has {count} elements in its data but {storage.Count} in its record");
        if (count > (stream.Length - stream.Position) / storage.Size) throw new EndOfStreamException("the file ends inside tensor data");
        var bytes = new byte[count * storage.Size];
        stream.ReadExactly(bytes);
        return TorchStorage.FromBytes(bytes, storage.Type, storage.Size, count);
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        TensorRef => "tensor",
        PickleDict => "dict",
        PickleGlobal g => g.ToString(),
        _ => value.GetType().Name,
    };
}
