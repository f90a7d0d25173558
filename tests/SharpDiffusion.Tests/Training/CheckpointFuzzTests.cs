using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using SharpDiffusion.Config;
using SharpDiffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Training;

/// <summary>
/// Seeded fuzzing of checkpoint files (issue 7 item 6): truncations, bit flips, a model of another shape and headers that lie
/// under a valid checksum always end in CheckpointException from ReadMetadata, Load and LoadedModel.Load, and leave the other
/// files of the run folder byte-identical.
/// </summary>
public sealed class CheckpointFuzzTests : IDisposable
{
    private const int Mutations = 200;
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-ckpt-fuzz-").FullName;
    private readonly RunDirectory _run;
    private readonly string _good;
    private readonly byte[] _goodBytes;

    public CheckpointFuzzTests()
    {
        _run = new RunDirectory(_dir);
        _run.WriteConfig(Config(8));
        File.WriteAllText(_run.LogPath, TrainingLog.Header + "\n1,1,0.001,1,1\n");
        _good = _run.CheckpointPath(1);
        Save(_good, Config(8));
        _run.PublishCheckpoint(_good, keepLast: 0);
        _goodBytes = File.ReadAllBytes(_good);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RunConfig Config(int dim) => new()
    {
        Name = "fuzz",
        Data = new DataConfig { ImageSize = 8 },
        Model = new ModelConfig { Dim = dim, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Groups = 4 },
    };

    private static void Save(string path, RunConfig config)
    {
        using var model = ModelFactory.Create(config, 3, 8, CPU);
        using var ema = ModelFactory.CreateEma(model, config, CPU);
        using var optimizer = optim.Adam(model.parameters(), 1e-3);
        var meta = new CheckpointMetadata { Step = 1, Config = config, Channels = 3, ImageSize = 8 };
        CheckpointFile.Save(path, meta, new CheckpointFile.State(model, ema, optimizer, new Generator(1)));
    }

    [Fact]
    public void TruncatedOrBitFlipped_AlwaysCheckpointException()
    {
        var random = new Random(11);
        var before = Snapshot();
        string target = Path.Combine(_dir, "checkpoints", "step-000002.ckpt");
        for (int i = 0; i < Mutations; i++)
        {
            byte[] bytes = _goodBytes.ToArray();
            if (i % 2 == 0)
            {
                bytes = bytes[..random.Next(bytes.Length)];
            }
            else
            {
                int flips = 1 + random.Next(4);
                for (int f = 0; f < flips; f++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
            }
            File.WriteAllBytes(target, bytes);
            AssertRefusedEverywhere(target, $"mutation {i}");
        }
        File.Delete(target);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void OtherModelShape_IsCheckpointExceptionNamingTheFile()
    {
        string wide = Path.Combine(_dir, "wide.ckpt");
        Save(wide, Config(16));
        using var model = ModelFactory.Create(Config(8), 3, 8, CPU);
        using var ema = ModelFactory.Create(Config(8), 3, 8, CPU);
        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(wide, new CheckpointFile.State(model, ema, null, null)));
        Assert.Contains("wide.ckpt", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Headers rewritten and re-hashed, so only the loader's own checks stand between them and the model.</summary>
    [Theory]
    [InlineData("channels", "1")]                  // first convolution of another shape
    [InlineData("model.dim", "16")]                 // every layer of another shape
    [InlineData("model.dim", "0")]                  // a config no model can be built from
    [InlineData("model.dim_mults", "[]")]
    [InlineData("model.groups", "3")]               // 8 channels in 3 groups
    [InlineData("format_version", "2")]
    [InlineData("config", "7")]
    [InlineData("image_size", "-8")]
    public void LyingHeaderUnderValidChecksum_IsCheckpointException(string key, string json)
    {
        var before = Snapshot();
        string path = Path.Combine(_dir, "lying.ckpt");
        File.WriteAllBytes(path, RewriteHeader(_goodBytes, key, JsonNode.Parse(json)));
        AssertRefusedByLoaders(path, $"{key}={json}");
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public void HeaderLengthOutOfRange_UnderValidChecksum_IsCheckpointException()
    {
        foreach (int length in new[] { -1, 0, int.MaxValue, _goodBytes.Length })
        {
            byte[] bytes = _goodBytes.ToArray();
            BitConverter.GetBytes(length).CopyTo(bytes, 8);
            string path = Path.Combine(_dir, "length.ckpt");
            File.WriteAllBytes(path, Rehash(bytes));
            AssertRefusedEverywhere(path, $"length {length}");
        }
    }

    private static void AssertRefusedEverywhere(string path, string what)
    {
        AssertCheckpointException(() => CheckpointFile.ReadMetadata(path), what + " ReadMetadata");
        AssertCheckpointException(() => LoadedModel.Load(path, CPU).Model.Dispose(), what + " LoadedModel.Load");
        using var model = ModelFactory.Create(Config(8), 3, 8, CPU);
        using var ema = ModelFactory.Create(Config(8), 3, 8, CPU);
        AssertCheckpointException(() => CheckpointFile.Load(path, new CheckpointFile.State(model, ema, null, null)), what + " Load");
    }

    private static void AssertRefusedByLoaders(string path, string what)
    {
        AssertCheckpointException(() => LoadedModel.Load(path, CPU).Model.Dispose(), what + " LoadedModel.Load");
        using var model = ModelFactory.Create(Config(8), 3, 8, CPU);
        using var ema = ModelFactory.Create(Config(8), 3, 8, CPU);
        using var optimizer = optim.Adam(model.parameters(), 1e-3);
        // Load fills the caller's model and returns the header for the caller to check (Trainer compares shapes), so a header
        // that lies about a field the tensors do not depend on may load; what it must never do is throw anything else.
        try
        {
            CheckpointFile.Load(path, new CheckpointFile.State(model, ema, optimizer, new Generator(1)));
        }
        catch (Exception e) when (e is not CheckpointException)
        {
            Assert.Fail($"{what} Load: {e.GetType().Name}: {e.Message}");
        }
        catch (CheckpointException)
        {
        }
    }

    private static void AssertCheckpointException(Action load, string what)
    {
        try
        {
            load();
        }
        catch (CheckpointException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
            return;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}");
        }
        Assert.Fail($"{what}: loaded without error");
    }

    private static byte[] RewriteHeader(byte[] file, string key, JsonNode? value)
    {
        int length = BitConverter.ToInt32(file, 8);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(file, 12, length))!.AsObject();
        string[] parts = key.Split('.');
        JsonObject target = parts.Length == 1 ? header : header["config"]![parts[0]]!.AsObject();
        target[parts[^1]] = value;
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        byte[] rewritten = [.. file[..8], .. BitConverter.GetBytes(json.Length), .. json, .. file[(12 + length)..]];
        return Rehash(rewritten);
    }

    private static byte[] Rehash(byte[] file)
    {
        byte[] body = file[..^32];
        return [.. body, .. SHA256.HashData(body)];
    }

    private Dictionary<string, string> Snapshot() =>
        Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories)
            .Where(p => !p.EndsWith("step-000002.ckpt", StringComparison.Ordinal) && !p.EndsWith("lying.ckpt", StringComparison.Ordinal))
            .ToDictionary(p => p, p => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p))));
}
