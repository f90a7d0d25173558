using System.Buffers.Binary;
using System.Text;
using SharpDiffusion.Evaluation;
using System.IO.Compression;
using SharpDiffusion.Interop;
using SharpDiffusion.Interop.DenoisingDiffusionPytorch;
using SharpDiffusion.Interop.PyTorch;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Evaluation.HostileFiles;

/// <summary>
/// Every reader of outside files that <see cref="HostileFileFuzzTests"/> fuzzes. To add one (the pytorch-fid .npz reader of
/// feature/metrics, the denoising-diffusion-pytorch checkpoint importer of feature/interop, ...): add an entry to
/// <see cref="All"/> with a valid file, the call the command makes, its clear-error types and any hand-made hostile inputs
/// (for .npz: a zip bomb, an entry whose header lies about its size, a member that is a pickled object array).
/// </summary>
public static class HostileFileReaders
{
    /// <summary>Created by a pickle that ran os.system; must never exist.</summary>
    public static readonly string PwnedMarker = Path.Combine(Path.GetTempPath(), "sd-hostile-pickle-ran");

    private static readonly string LegacyFixture = Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "legacy_state_dict.pth");

    public static IReadOnlyList<HostileFileReader> All { get; } = [NpyFeatures(), FeatureStatisticsFile(), LegacyTorchSave(), PytorchFidNpz(), TrainerCheckpointZip()];

    /// <summary>`ddpm fid A.npy B`: a .npy of features from `ddpm features` (or numpy.save).</summary>
    private static HostileFileReader NpyFeatures() => new(
        "npy features (ddpm fid/features)", ".npy",
        () => NpyBytes(arange(40, dtype: ScalarType.Float32).view(8, 5)),
        path => PrecomputedFeatures.Load(path, "resnet18"),
        [typeof(EvaluationException)],
        [
            ("shape (2^40, 2^40), no data", Npy("<f4", "(1099511627776, 1099511627776)", [])),
            ("shape whose product overflows int64", Npy("<f4", "(4294967296, 4294967296, 16)", [])),
            ("shape (1000000, 2048), 64 bytes of data", Npy("<f4", "(1000000, 2048)", new byte[64])),
            ("negative size", Npy("<f4", "(-8, 5)", new byte[160])),
            ("size that is not a number", Npy("<f4", "(eight, 5)", new byte[160])),
            ("object dtype (a pickle inside)", Npy("|O", "(2,)", Encoding.ASCII.GetBytes("cos\nsystem\n(S'touch /tmp/sd-pwned'\ntR."))),
            ("int64 dtype", Npy("<i8", "(8, 5)", new byte[320])),
            ("big-endian float32", Npy(">f4", "(8, 5)", new byte[160])),
            ("Fortran order", NpyRaw("{'descr': '<f4', 'fortran_order': True, 'shape': (8, 5), }", new byte[160])),
            ("1-D features", Npy("<f4", "(40,)", new byte[160])),
            ("one feature vector (N = 1)", Npy("<f4", "(1, 5)", new byte[20])),
            ("header length 2^32 − 1 (format 2.0)", [0x93, .. "NUMPY"u8, 2, 0, 0xFF, 0xFF, 0xFF, 0xFF, .. "{'descr'"u8]),
            ("format version 9", [0x93, .. "NUMPY"u8, 9, 0, 10, 0, .. "{}        \n"u8]),
            ("magic only", [0x93, .. "NUMPY"u8]),
            ("empty file", []),
        ]);

    /// <summary>`ddpm fid A.stats B`: mean and covariance from `ddpm features --stats`.</summary>
    private static HostileFileReader FeatureStatisticsFile() => new(
        "feature statistics (ddpm fid)", ".stats",
        () => StatisticsBytes("resnet18", 8, 3),
        path => PrecomputedFeatures.Load(path, "resnet18"),
        [typeof(EvaluationException)],
        [
            ("dimension int.MaxValue", WithDimension(StatisticsBytes("resnet18", 8, 3), int.MaxValue)),
            ("dimension 46341 (d² overflows int32)", WithDimension(StatisticsBytes("resnet18", 8, 3), 46341)),
            ("dimension −1", WithDimension(StatisticsBytes("resnet18", 8, 3), -1)),
            ("dimension 0", WithDimension(StatisticsBytes("resnet18", 8, 3), 0)),
            ("dimension 4 with the data of 3", WithDimension(StatisticsBytes("resnet18", 8, 3), 4)),
            ("dimension 2 with the data of 3 (too much data)", WithDimension(StatisticsBytes("resnet18", 8, 3), 2)),
            ("count −5", StatisticsBytes("resnet18", -5, 3)),
            ("count 1", StatisticsBytes("resnet18", 1, 3)),
            ("a NaN in the covariance", WithDouble(StatisticsBytes("resnet18", 8, 3), ^8, double.NaN)),
            ("extractor name claiming 2^31 bytes", [.. "SDFSTAT1"u8, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, .. "resnet"u8]),
            ("magic only", [.. "SDFSTAT1"u8]),
        ]);

    /// <summary>pytorch-fid's Inception weights in torch.save's legacy format, through the restricted unpickler.</summary>
    private static HostileFileReader LegacyTorchSave() => new(
        "legacy torch.save (Inception weights, restricted unpickler)", ".pth",
        () => File.ReadAllBytes(LegacyFixture),
        path =>
        {
            using var stream = File.OpenRead(path);
            foreach (var tensor in LegacyTorchFile.ReadStateDict(stream).Values) tensor.Dispose();
        },
        [typeof(InvalidDataException), typeof(EndOfStreamException), typeof(NotSupportedException)],
        [
            ("os.system via GLOBAL + REDUCE", LegacyWith(Call("cos\nsystem\n"u8.ToArray(), "touch " + PwnedMarker))),
            ("builtins.eval via STACK_GLOBAL", LegacyWith([0x80, 0x04, 0x8c, 8, .. "builtins"u8, 0x8c, 4, .. "eval"u8, 0x93, 0x8c, 5, .. "1+1+1"u8, 0x85, (byte)'R', (byte)'.'])),
            ("subprocess.Popen via NEWOBJ", LegacyWith([0x80, 0x02, .. "csubprocess\nPopen\n"u8, 0x8c, 2, .. "ls"u8, 0x85, 0x81, (byte)'.'])),
            ("torch._utils._rebuild_tensor_v2 with no storage", LegacyWith([0x80, 0x02, .. "ctorch._utils\n_rebuild_tensor_v2\n"u8, (byte)')', (byte)'R', (byte)'.'])),
            ("BINUNICODE8 claiming 2^62 bytes", LegacyWith([0x80, 0x04, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x40, (byte)'.'])),
            ("LONG4 claiming 2^31 − 1 bytes", LegacyWith([0x80, 0x02, 0x8b, 0xFF, 0xFF, 0xFF, 0x7F, (byte)'.'])),
            ("storage with one element more than its record", WithInt64(File.ReadAllBytes(LegacyFixture), FirstStorageCount, 13)),
            ("storage claiming 2^40 elements", WithInt64(File.ReadAllBytes(LegacyFixture), FirstStorageCount, 1L << 40)),
            ("storage claiming −1 elements", WithInt64(File.ReadAllBytes(LegacyFixture), FirstStorageCount, -1)),
            ("file cut inside the storages", File.ReadAllBytes(LegacyFixture)[..(FirstStorageCount + 20)]),
        ]);

    private static readonly string TrainerFixture = Path.Combine(AppContext.BaseDirectory, "Interop", "Fixtures", "ddp-trainer", "model-1234.pt");

    /// <summary>`ddpm fid A stats.npz`: pytorch-fid's statistics (a zip of mu.npy and sigma.npy).</summary>
    private static HostileFileReader PytorchFidNpz() => new(
        "pytorch-fid statistics .npz (ddpm fid)", ".npz",
        () => NpzBytes(("mu", NpyBytes(zeros(3, dtype: ScalarType.Float64))), ("sigma", NpyBytes(eye(3, dtype: ScalarType.Float64)))),
        path => PrecomputedFeatures.Load(path, "inception"),
        [typeof(EvaluationException)],
        [
            ("sigma declared 20000 × 20000 float64, 64 bytes of data", NpzBytes(("mu", NpyBytes(zeros(3, dtype: ScalarType.Float64))), ("sigma", Npy("<f8", "(20000, 20000)", new byte[64])))),
            ("zip bomb: sigma inflates to 256 MiB of zeros", NpzBytes(("mu", NpyBytes(zeros(3, dtype: ScalarType.Float64))), ("sigma", Npy("<f8", "(4096, 8192)", new byte[256 << 20])))),
            ("mu only", NpzBytes(("mu", NpyBytes(zeros(3, dtype: ScalarType.Float64))))),
            ("mu of 3, sigma of 4 × 4", NpzBytes(("mu", NpyBytes(zeros(3, dtype: ScalarType.Float64))), ("sigma", NpyBytes(eye(4, dtype: ScalarType.Float64))))),
            ("sigma as an object array (a pickle inside)", NpzBytes(("mu", NpyBytes(zeros(3, dtype: ScalarType.Float64))), ("sigma", Npy("|O", "(3, 3)", Encoding.ASCII.GetBytes("cos\nsystem\n(S'touch " + PwnedMarker + "'\ntR."))))),
            ("zip magic only", [0x50, 0x4B, 0x03, 0x04]),
        ]);

    /// <summary>`ddpm import model-N.pt`: a denoising-diffusion-pytorch Trainer checkpoint (torch.save zip, restricted unpickler).</summary>
    private static HostileFileReader TrainerCheckpointZip() => new(
        "denoising-diffusion-pytorch checkpoint (ddpm import)", ".pt",
        () => File.ReadAllBytes(TrainerFixture),
        path => TrainerCheckpoint.Read(path).Dispose(),
        [typeof(InteropException)],
        [
            ("os.system pickle in data.pkl", TorchZip(Call("cos\nsystem\n"u8.ToArray(), "touch " + PwnedMarker), [])),
            ("storage record of 2^40 floats, 16 bytes stored", TorchZip(StorageDict(1L << 40), [("0", new byte[16])])),
            ("storage record of 4 floats, 64 MiB deflated member", TorchZip(StorageDict(4), [("0", new byte[64 << 20])], CompressionLevel.SmallestSize)),
            ("storage member missing", TorchZip(StorageDict(4), [])),
            ("zip without data.pkl", NpzBytes(("x", [1, 2, 3]))),
        ]);

    /// <summary>A zip of numpy arrays as numpy.savez writes it (deflated, as savez_compressed, to make bombs small).</summary>
    private static byte[] NpzBytes(params (string Name, byte[] Npy)[] members)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, npy) in members)
            {
                using var entry = zip.CreateEntry(name + ".npy", CompressionLevel.SmallestSize).Open();
                entry.Write(npy);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>torch.save's layout: archive/data.pkl, archive/byteorder and archive/data/KEY members.</summary>
    private static byte[] TorchZip(byte[] pickle, (string Key, byte[] Bytes)[] storages, CompressionLevel level = CompressionLevel.NoCompression)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] bytes, CompressionLevel compression)
            {
                using var entry = zip.CreateEntry(name, compression).Open();
                entry.Write(bytes);
            }
            Add("archive/data.pkl", pickle, CompressionLevel.NoCompression);
            Add("archive/byteorder", "little"u8.ToArray(), CompressionLevel.NoCompression);
            foreach (var (key, bytes) in storages) Add("archive/data/" + key, bytes, level);
        }
        return buffer.ToArray();
    }

    /// <summary>{'w': _rebuild_tensor_v2(persistent ('storage', torch.FloatStorage, '0', 'cpu', count), 0, (count,), (1,), False, OrderedDict())}.</summary>
    private static byte[] StorageDict(long count)
    {
        var pickle = new List<byte> { 0x80, 0x02, (byte)'}', (byte)'X', 1, 0, 0, 0, (byte)'w' };
        pickle.AddRange("ctorch._utils\n_rebuild_tensor_v2\n"u8.ToArray());
        pickle.AddRange([(byte)'(', (byte)'(', (byte)'X', 7, 0, 0, 0, .. "storage"u8, (byte)'c', .. "torch\nFloatStorage\n"u8, (byte)'X', 1, 0, 0, 0, (byte)'0', (byte)'X', 3, 0, 0, 0, .. "cpu"u8, (byte)'I', .. Encoding.ASCII.GetBytes(count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n"), (byte)'t', (byte)'Q']);
        pickle.AddRange([(byte)'K', 0, (byte)'I', .. Encoding.ASCII.GetBytes(count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n"), 0x85, (byte)'K', 1, 0x85, 0x89, (byte)'c', .. "collections\nOrderedDict\n"u8, (byte)')', (byte)'R', (byte)'t', (byte)'R', (byte)'s', (byte)'.']);
        return [.. pickle];
    }

    /// <summary>Where the fixture's header pickles end (magic, protocol, sys_info), and where its first storage's element
    /// count (12, int64) sits: both from pickletools.genops on the file (python3-torch 1.13.1 wrote it).</summary>
    private const int LegacyHeaderLength = 137;

    private const int FirstStorageCount = 998;

    private static byte[] LegacyWith(byte[] pickle) => [.. File.ReadAllBytes(LegacyFixture)[..LegacyHeaderLength], .. pickle];

    /// <summary>PROTO 2, GLOBAL, one string argument, TUPLE1, REDUCE, STOP.</summary>
    private static byte[] Call(byte[] global, string argument)
    {
        byte[] arg = Encoding.ASCII.GetBytes(argument);
        return [0x80, 0x02, (byte)'c', .. global, 0x8c, (byte)arg.Length, .. arg, 0x85, (byte)'R', (byte)'.'];
    }

    private static byte[] NpyBytes(Tensor features)
    {
        using var stream = new MemoryStream();
        NpyFile.Write(stream, features);
        features.Dispose();
        return stream.ToArray();
    }

    private static byte[] Npy(string descr, string shape, byte[] data) => NpyRaw($"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}", data);

    private static byte[] NpyRaw(string dict, byte[] data)
    {
        byte[] header = Encoding.ASCII.GetBytes(dict + "\n");
        return [0x93, .. "NUMPY"u8, 1, 0, (byte)header.Length, (byte)(header.Length >> 8), .. header, .. data];
    }

    /// <summary>A statistics file as FeatureStatistics.Save lays it out (magic, extractor, count, d, mean, covariance).</summary>
    private static byte[] StatisticsBytes(string extractor, long count, int d)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("SDFSTAT1"u8);
            writer.Write(extractor);
            writer.Write(count);
            writer.Write(d);
            for (int i = 0; i < d; i++) writer.Write(0.5 * i);
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) writer.Write(i == j ? 1.0 : 0.0);
        }
        return stream.ToArray();
    }

    private static byte[] WithDimension(byte[] statistics, int d) => WithInt32(statistics, 8 + 1 + "resnet18".Length + 8, d);

    private static byte[] WithInt32(byte[] bytes, int at, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), value);
        return bytes;
    }

    private static byte[] WithInt64(byte[] bytes, int at, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), value);
        return bytes;
    }

    private static byte[] WithDouble(byte[] bytes, Index at, double value)
    {
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(at.GetOffset(bytes.Length)), value);
        return bytes;
    }
}
