using SharpDiffusion.Config;
using SharpDiffusion.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Training;

public sealed class CheckpointFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CheckpointMetadata Meta(int step) => new()
    {
        Step = step, Config = new RunConfig { Name = "t", Seed = 3 }, ClassNames = ["a", "b"], Channels = 3, ImageSize = 8, DatasetHash = "h",
    };

    /// <summary>A tiny model trained two Adam steps, so the optimizer has non-trivial state.</summary>
    private static (Linear Model, Linear Ema, optim.Optimizer Opt, Generator Gen) Trained(long seed)
    {
        random.manual_seed(seed);
        var model = nn.Linear(4, 3);
        var ema = nn.Linear(4, 3);
        var opt = optim.Adam(model.parameters(), 0.01);
        var gen = new Generator((ulong)seed);
        for (int i = 0; i < 2; i++)
        {
            opt.zero_grad();
            model.forward(randn([5, 4], generator: gen)).pow(2).sum().backward();
            opt.step();
        }
        return (model, ema, opt, gen);
    }

    [Fact]
    public void SaveThenLoad_RestoresWeightsOptimizerAndRandomState()
    {
        var (model, ema, opt, gen) = Trained(1);
        string path = Path.Combine(_dir, "a.ckpt");
        CheckpointFile.Save(path, Meta(2), new CheckpointFile.State(model, ema, opt, gen));
        float expectedDraw = randn([1], generator: gen).item<float>();
        float expectedGlobal = randn(1).item<float>();

        var (model2, ema2, opt2, gen2) = Trained(99); // different weights, Adam moments and RNG states
        var meta = CheckpointFile.Load(path, new CheckpointFile.State(model2, ema2, opt2, gen2));

        Assert.Equal(2, meta.Step);
        Assert.Equal(["a", "b"], meta.ClassNames);
        Assert.Equal(3, meta.Config.Seed);
        foreach (var (name, p) in model.named_parameters())
            Assert.True(p.equal(model2.get_parameter(name)!).all().item<bool>(), name);
        Assert.Equal(expectedDraw, randn([1], generator: gen2).item<float>());
        Assert.Equal(expectedGlobal, randn(1).item<float>());

        // Same Adam moments ⇒ the same next update from the same gradient.
        foreach (var (m, o) in new[] { (model, opt), (model2, opt2) })
        {
            o.zero_grad();
            m.forward(ones(1, 4)).sum().backward();
            o.step();
        }
        foreach (var (name, p) in model.named_parameters())
            Assert.True(p.equal(model2.get_parameter(name)!).all().item<bool>(), name);
    }

    [Fact]
    public void Load_TruncatedOrBitFlippedFile_IsRejectedBeforeTouchingTheModel()
    {
        var (model, ema, opt, gen) = Trained(1);
        string path = Path.Combine(_dir, "a.ckpt");
        CheckpointFile.Save(path, Meta(2), new CheckpointFile.State(model, ema, opt, gen));
        byte[] bytes = File.ReadAllBytes(path);

        string truncated = Path.Combine(_dir, "t.ckpt");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        string flipped = Path.Combine(_dir, "f.ckpt");
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(flipped, bytes);

        var (other, otherEma, otherOpt, otherGen) = Trained(5);
        var before = other.parameters().Select(p => p.clone()).ToList();
        foreach (string bad in new[] { truncated, flipped })
        {
            var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(bad, new CheckpointFile.State(other, otherEma, otherOpt, otherGen)));
            Assert.Contains(bad, e.Message, StringComparison.Ordinal);
        }
        Assert.All(other.parameters().Zip(before), pair => Assert.True(pair.First.equal(pair.Second).all().item<bool>()));
    }

    [Fact]
    public void Load_DifferentModelShape_IsACheckpointError()
    {
        var (model, ema, opt, gen) = Trained(1);
        string path = Path.Combine(_dir, "a.ckpt");
        CheckpointFile.Save(path, Meta(2), new CheckpointFile.State(model, ema, opt, gen));
        var wider = nn.Linear(4, 5);
        var e = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(path, new CheckpointFile.State(wider, nn.Linear(4, 5), null, null)));
        Assert.Contains("does not fit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NotACheckpoint_SaysSo()
    {
        string path = Path.Combine(_dir, "x.ckpt");
        File.WriteAllText(path, new string('x', 100));
        Assert.Throws<CheckpointException>(() => CheckpointFile.ReadMetadata(path));
        Assert.Throws<CheckpointException>(() => CheckpointFile.ReadMetadata(Path.Combine(_dir, "missing.ckpt")));
    }
}
