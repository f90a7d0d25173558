using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SharpDiffusion.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// One file holding model, EMA, optimizer and RNG state plus the resolved config.
/// Layout: magic "SDCKPT01" | int32 length + metadata JSON | model | EMA | optimizer | generator state | global RNG state
/// | [auxiliary networks] | SHA-256 of everything before it. The hash is checked before anything is loaded, so truncation or
/// bit flips are reported, never half-applied. The auxiliary section (int32 count, then per network its name, weights, a
/// bool and its optimizer) is written only when the state has auxiliary networks (an autoencoder's discriminator), so every
/// other checkpoint keeps the layout it had before the section existed, and files without it read as having none.
/// </summary>
public static class CheckpointFile
{
    public const int FormatVersion = 1;

    /// <summary>
    /// The format of a checkpoint of a formulation other than ddpm: the layout is version 1's, but a build from before
    /// formulations existed skips the unknown diffusion.formulation key and would sample such a model as DDPM, so it must refuse it.
    /// </summary>
    public const int FormulationFormatVersion = 2;

    /// <summary>The format version a checkpoint of <paramref name="config"/> is written with.</summary>
    public static int FormatVersionFor(RunConfig config) =>
        (config ?? throw new ArgumentNullException(nameof(config))).Diffusion.Formulation == DiffusionFormulation.Ddpm ? FormatVersion : FormulationFormatVersion;
    private static readonly byte[] Magic = "SDCKPT01"u8.ToArray();
    private const int HashBytes = 32;

    /// <summary>What a checkpoint stores besides its metadata.</summary>
    public sealed record State(nn.Module Model, nn.Module Ema, optim.Optimizer? Optimizer, Generator? Generator)
    {
        /// <summary>Networks trained beside the model (no EMA), stored after the RNG states in this order; empty for most families.</summary>
        public IReadOnlyList<AuxiliaryNetwork> Auxiliary { get; init; } = [];
    }

    /// <summary>A network trained beside the model, such as an autoencoder's discriminator, with its optimizer.</summary>
    /// <param name="Name">Checked on load, so a checkpoint's networks cannot be loaded into other ones.</param>
    public sealed record AuxiliaryNetwork(string Name, nn.Module Network, optim.Optimizer? Optimizer);

    private static readonly JsonSerializerOptions MetadataJson = new(ConfigJson.Options) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip };

    public static void Save(string path, CheckpointMetadata metadata, State state)
    {
        AtomicFile.Write(path, file =>
        {
            using var hashing = new HashingStream(file);
            using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata, MetadataJson);
                writer.Write(json.Length);
                writer.Write(json);
                state.Model.save(writer);
                state.Ema.save(writer);
                writer.Write(state.Optimizer is not null);
                if (state.Optimizer is optim.Optimizer opt) ((TorchSharp.Modules.OptimizerHelper)opt).save_state_dict(writer);
                WriteTensorBytes(writer, state.Generator?.get_state());
                WriteTensorBytes(writer, random.get_rng_state());
                if (state.Auxiliary.Count > 0) WriteAuxiliary(writer, state.Auxiliary);
                writer.Flush();
            }
            file.Write(hashing.GetHashAndReset());
        });
    }

    /// <summary>Reads and verifies only the header; cheap enough to list checkpoints.</summary>
    public static CheckpointMetadata ReadMetadata(string path)
    {
        VerifyIntegrity(path);
        using var reader = OpenAfterMagic(path);
        return ReadMetadata(reader, path);
    }

    /// <summary>Verifies the file, then loads every stored part into <paramref name="state"/> (whose model must match the stored config).</summary>
    public static CheckpointMetadata Load(string path, State state)
    {
        VerifyIntegrity(path);
        using var reader = OpenAfterMagic(path);
        var metadata = ReadMetadata(reader, path);
        try
        {
            state.Model.load(reader, strict: true);
            state.Ema.load(reader, strict: true);
            bool hasOptimizer = reader.ReadBoolean();
            if (hasOptimizer && state.Optimizer is optim.Optimizer opt) ((TorchSharp.Modules.OptimizerHelper)opt).load_state_dict(reader);
            else if (hasOptimizer && state.Optimizer is null) return metadata; // sampling needs no optimizer or RNG state
            byte[]? generator = ReadBytes(reader);
            byte[]? global = ReadBytes(reader);
            if (generator is not null && state.Generator is Generator g) g.set_state(tensor(generator, dtype: ScalarType.Byte));
            if (global is not null) random.set_rng_state(tensor(global, dtype: ScalarType.Byte));
            ReadAuxiliary(reader, state.Auxiliary);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or EndOfStreamException)
        {
            throw new CheckpointException($"checkpoint {path} does not fit this model ({FirstLine(e.Message)}); load it with the config stored in it (ddpm sample --run) or start a new run folder.");
        }
        return metadata;
    }

    /// <summary>
    /// The checkpoint's content hash: the SHA-256 it ends with (of everything before it), as lowercase hex, after verifying it.
    /// A latent-diffusion run records its autoencoder's hash and refuses another one.
    /// </summary>
    public static string ContentHash(string path)
    {
        VerifyIntegrity(path);
        using var stream = File.OpenRead(path);
        stream.Seek(-HashBytes, SeekOrigin.End);
        byte[] stored = new byte[HashBytes];
        stream.ReadExactly(stored);
        return Convert.ToHexStringLower(stored);
    }

    private static BinaryReader OpenAfterMagic(string path)
    {
        var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
        if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
        {
            reader.Dispose();
            throw new CheckpointException($"{path} is not a SharpDiffusion checkpoint; pass a .ckpt file written by ddpm train.");
        }
        return reader;
    }

    private static CheckpointMetadata ReadMetadata(BinaryReader reader, string path)
    {
        int length = reader.ReadInt32();
        if (length <= 0 || length > 16 << 20) throw new CheckpointException($"checkpoint {path} has a damaged header; use another checkpoint of the run.");
        try
        {
            var metadata = JsonSerializer.Deserialize<CheckpointMetadata>(reader.ReadBytes(length), MetadataJson)
                           ?? throw new CheckpointException($"checkpoint {path} has an empty header; use another checkpoint of the run.");
            if (metadata.FormatVersion != FormatVersionFor(metadata.Config))
                throw new CheckpointException($"checkpoint {path} has format {metadata.FormatVersion}, this build reads {FormatVersionFor(metadata.Config)} for a {metadata.Config.Diffusion.Formulation.ToString().ToLowerInvariant()} model; use a matching SharpDiffusion version.");
            return metadata;
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"checkpoint {path} has an unreadable header ({FirstLine(e.Message)}); use another checkpoint of the run.");
        }
    }

    private static void VerifyIntegrity(string path)
    {
        if (!File.Exists(path)) throw new CheckpointException($"checkpoint {path} does not exist; list the run's checkpoints/ folder for valid names.");
        using var stream = File.OpenRead(path);
        long body = stream.Length - HashBytes;
        if (body < Magic.Length + 4) throw new CheckpointException($"checkpoint {path} is truncated ({stream.Length} bytes); use another checkpoint of the run.");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[1 << 20];
        for (long left = body; left > 0;)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0) break;
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        byte[] stored = new byte[HashBytes];
        stream.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
            throw new CheckpointException($"checkpoint {path} is damaged (checksum mismatch: truncated or corrupted); use another checkpoint of the run.");
    }

    private static void WriteAuxiliary(BinaryWriter writer, IReadOnlyList<AuxiliaryNetwork> networks)
    {
        writer.Write(networks.Count);
        foreach (var network in networks)
        {
            writer.Write(network.Name);
            network.Network.save(writer);
            writer.Write(network.Optimizer is not null);
            if (network.Optimizer is optim.Optimizer opt) ((TorchSharp.Modules.OptimizerHelper)opt).save_state_dict(writer);
        }
    }

    /// <summary>Loads the auxiliary section into <paramref name="expected"/>, which must name the same networks; a file that ends before it has none.</summary>
    private static void ReadAuxiliary(BinaryReader reader, IReadOnlyList<AuxiliaryNetwork> expected)
    {
        bool present = reader.BaseStream.Position < reader.BaseStream.Length - HashBytes;
        var stored = new List<string>();
        int count = present ? reader.ReadInt32() : 0;
        if (count < 0 || count > 64) throw new InvalidOperationException($"an auxiliary-network count of {count}");
        for (int i = 0; i < count; i++)
        {
            string name = reader.ReadString();
            stored.Add(name);
            if (i >= expected.Count || expected[i].Name != name) break;
            expected[i].Network.load(reader, strict: true);
            bool hasOptimizer = reader.ReadBoolean();
            if (hasOptimizer && expected[i].Optimizer is optim.Optimizer opt) ((TorchSharp.Modules.OptimizerHelper)opt).load_state_dict(reader);
            else if (hasOptimizer || expected[i].Optimizer is not null) throw new InvalidOperationException($"the {name} network's optimizer state is missing or unexpected");
        }
        if (!stored.SequenceEqual(expected.Select(n => n.Name)))
            throw new InvalidOperationException($"it stores [{string.Join(", ", stored)}] besides the model, this run trains [{string.Join(", ", expected.Select(n => n.Name))}]");
    }

    private static void WriteTensorBytes(BinaryWriter writer, Tensor? state)
    {
        if (state is null)
        {
            writer.Write(-1);
            return;
        }
        using (state)
        {
            byte[] bytes = state.cpu().data<byte>().ToArray();
            writer.Write(bytes.Length);
            writer.Write(bytes);
        }
    }

    private static byte[]? ReadBytes(BinaryReader reader)
    {
        int length = reader.ReadInt32();
        return length < 0 ? null : reader.ReadBytes(length);
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
