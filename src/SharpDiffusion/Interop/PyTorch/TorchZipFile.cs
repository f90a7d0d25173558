using System.IO.Compression;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.PyTorch;

/// <summary>
/// Reads a file written by torch.save in its zip format (PyTorch ≥ 1.6): an archive whose one top folder holds
/// <c>data.pkl</c> (the pickled object, each tensor a <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)</c>
/// whose storage is the persistent id <c>('storage', torch.XStorage, key, location, numel)</c>), <c>data/KEY</c> (each
/// storage's raw little-endian elements) and, in newer versions, <c>byteorder</c>. The pickle is read by
/// <see cref="RestrictedUnpickler"/> with a fixed set of allowed globals, so nothing in the file is ever run: the result is
/// plain values (see <see cref="RestrictedUnpickler"/>) with CPU tensors in place of the rebuilt ones, each its own copy.
/// </summary>
internal static class TorchZipFile
{
    /// <summary>The only Python names a checkpoint of tensors, numbers, strings, lists and dicts needs.</summary>
    private static readonly HashSet<string> AllowedGlobals = new(
        ["collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", .. TorchStorage.Types.Keys.Select(k => "torch." + k)],
        StringComparer.Ordinal);

    /// <summary>True when the stream starts like a zip archive (torch.save's format since PyTorch 1.6).</summary>
    public static bool LooksLikeZip(ReadOnlySpan<byte> head) => head is [0x50, 0x4B, 0x03, 0x04, ..];

    /// <summary>
    /// The unpickled object. A malformed or unsupported file throws <see cref="InvalidDataException"/> (a refused global:
    /// <see cref="RefusedGlobalException"/>), <see cref="EndOfStreamException"/> or <see cref="NotSupportedException"/>,
    /// each with a fragment of a sentence saying what was found. Tensors are created in the caller's dispose scope.
    /// </summary>
    public static object? Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var pickle = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1)
                     ?? throw new InvalidDataException("it is a zip archive without the data.pkl of torch.save");
        var folder = pickle.FullName[..^"data.pkl".Length];
        if (archive.GetEntry(folder + "byteorder") is { } order && ReadText(order) is not "little")
            throw new NotSupportedException("it was saved on a big-endian machine");

        var storages = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        object? LoadStorage(object? id)
        {
            if (id is not object?[] { Length: 5 } fields || fields[0] is not "storage")
                throw new InvalidDataException("it has a persistent id that is not a ('storage', type, key, location, numel) record");
            if (fields[1] is not PickleGlobal type || fields[2] is not string key || fields[4] is not long count || count < 0)
                throw new InvalidDataException("it has a malformed storage record");
            var (scalarType, size) = TorchStorage.Resolve(type);
            if (storages.TryGetValue(key, out var known)) return known;
            var entry = archive.GetEntry(folder + "data/" + key) ?? throw new InvalidDataException($"the data of storage '{key}' is missing");
            if (entry.Length != count * size) throw new InvalidDataException($"storage '{key}' has {entry.Length} bytes but its record says {count} × {size}");
            // The member's header is checked against the file before anything is allocated: a stored member cannot be larger
            // than the file, a deflated one not more than deflate's ratio larger than its compressed bytes; and the bytes are
            // read as they inflate, so a header that lies costs only what the data really holds.
            if (entry.Length > Array.MaxLength || entry.CompressedLength > stream.Length || entry.Length > MaxDeflateRatio * Math.Max(entry.CompressedLength, 1))
                throw new InvalidDataException($"storage '{key}' claims {entry.Length} bytes from {entry.CompressedLength} stored bytes of a {stream.Length}-byte file");
            using var inflated = new MemoryStream();
            using (var data = entry.Open()) CopyAtMost(data, inflated, entry.Length, $"storage '{key}'");
            if (inflated.Length != entry.Length) throw new InvalidDataException($"storage '{key}' holds {inflated.Length} of the {entry.Length} bytes its header claims");
            var bytes = inflated.ToArray();
            return storages[key] = TorchStorage.FromBytes(bytes, scalarType, size, count);
        }

        if (pickle.Length > MaxPickleBytes)
            throw new InvalidDataException($"its data.pkl inflates to {pickle.Length} bytes, more than the {MaxPickleBytes} a state dict's pickle needs");
        using var pickled = new MemoryStream();
        using (var data = pickle.Open()) CopyAtMost(data, pickled, MaxPickleBytes, "its data.pkl");
        pickled.Position = 0;
        using var scope = NewDisposeScope();
        var root = new RestrictedUnpickler(pickled, Rebuild, LoadStorage, AllowedGlobals).Load();
        foreach (var tensor in Tensors(root).Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>()) tensor.MoveToOuterDisposeScope();
        return root;
    }

    /// <summary>Every tensor inside an unpickled value.</summary>
    public static IEnumerable<Tensor> Tensors(object? value) => value switch
    {
        Tensor t => [t],
        PickleDict d => d.Entries.SelectMany(e => Tensors(e.Value)),
        List<object?> l => l.SelectMany(Tensors),
        object?[] tuple => tuple.SelectMany(Tensors),
        _ => [],
    };

    /// <summary>The calls the allowed globals make; a storage tensor is never handed out itself, only copies of views of it.</summary>
    private static object? Rebuild(PickleGlobal global, object?[] args)
    {
        switch (global.ToString())
        {
            case "collections.OrderedDict" when args.Length == 0:
                return new PickleDict();
            case "collections.OrderedDict" when args is [List<object?> or object?[]]: // OrderedDict([(key, value), …]), as PyBridge writes it
                var dict = new PickleDict();
                foreach (var item in (IEnumerable<object?>)args[0]!)
                {
                    var pair = item switch { object?[] tuple => tuple, List<object?> list => list.ToArray(), _ => null };
                    if (pair is not { Length: 2 } || pair[0] is null) throw new InvalidDataException("an OrderedDict item that is not a (key, value) pair");
                    dict.Set(pair[0]!, pair[1]);
                }
                return dict;
            case "torch._utils._rebuild_tensor_v2" when args.Length >= 4:
                var storage = args[0] as Tensor ?? throw new InvalidDataException("a tensor without a storage");
                if (args[1] is not long offset) throw new InvalidDataException("a tensor without a storage offset");
                return TorchStorage.View("a tensor", storage, offset, TorchStorage.Longs(args[2], "size"), TorchStorage.Longs(args[3], "stride"));
            case "torch._utils._rebuild_parameter" when args.Length >= 1 && args[0] is Tensor parameter:
                return parameter;
            default:
                throw new InvalidDataException($"it calls {global} with {args.Length} arguments ({string.Join(", ", args.Select(a => a?.GetType().Name ?? "None"))}), which a checkpoint of tensors does not");
        }
    }

    private static string ReadText(ZipArchiveEntry entry)
    {
        using var reader = new StreamReader(entry.Open());
        return reader.ReadToEnd().Trim();
    }

    /// <summary>A state dict's pickle holds names and storage records only (the tensors are separate members): 64 MiB is generous.</summary>
    private const long MaxPickleBytes = 64L << 20;

    /// <summary>Deflate cannot compress better than about 1032:1.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>Copies at most <paramref name="limit"/> bytes, whatever the zip header claimed (a lying header must not inflate past it).</summary>
    private static void CopyAtMost(Stream source, Stream destination, long limit, string what)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            total += read;
            if (total > limit) throw new InvalidDataException($"{what} inflates past the {limit} bytes its header claims or a state dict needs");
            destination.Write(buffer, 0, read);
        }
    }
}
