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
        AssertSameWeights(model, model2);
        Assert.Equal(expectedDraw, randn([1], generator: gen2).item<float>());
        Assert.Equal(expectedGlobal, randn(1).item<float>());
        AssertSameNextUpdate((model, opt), (model2, opt2));
    }

    private static void AssertSameWeights(Linear expected, Linear actual)
    {
        foreach (var (name, p) in expected.named_parameters())
            Assert.True(p.equal(actual.get_parameter(name)!).all().item<bool>(), name);
    }

    /// <summary>Same weights and Adam moments ⇒ the same next update from the same gradient.</summary>
    private static void AssertSameNextUpdate((Linear Model, optim.Optimizer Opt) expected, (Linear Model, optim.Optimizer Opt) actual)
    {
        foreach (var (m, o) in new[] { expected, actual })
        {
            o.zero_grad();
            m.forward(ones(1, 4)).sum().backward();
            o.step();
        }
        AssertSameWeights(expected.Model, actual.Model);
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

    [Fact]
    public void SaveThenLoad_AuxiliaryNetwork_RestoresItsWeightsAndOptimizer()
    {
        var (model, ema, opt, gen) = Trained(1);
        var (aux, _, auxOpt, _) = Trained(2);
        string path = Path.Combine(_dir, "aux.ckpt");
        CheckpointFile.Save(path, Meta(2), new CheckpointFile.State(model, ema, opt, gen) { Auxiliary = [new("critic", aux, auxOpt)] });

        var (model2, ema2, opt2, gen2) = Trained(99);
        var (aux2, _, auxOpt2, _) = Trained(98);
        CheckpointFile.Load(path, new CheckpointFile.State(model2, ema2, opt2, gen2) { Auxiliary = [new("critic", aux2, auxOpt2)] });

        AssertSameWeights(aux, aux2);
        AssertSameNextUpdate((aux, auxOpt), (aux2, auxOpt2));
    }

    [Fact]
    public void Save_NoAuxiliaryNetworks_WritesTheLayoutFromBeforeTheSectionExisted()
    {
        // The auxiliary section is appended only when there is one: a file without it has the layout older builds wrote (the
        // old run in Fixtures/ still loads, SoftwareRecordTests), and a file with it has the same bytes up to the section.
        var (model, ema, opt, gen) = Trained(1);
        var (aux, _, auxOpt, _) = Trained(2);
        string without = Path.Combine(_dir, "plain.ckpt");
        string with = Path.Combine(_dir, "aux.ckpt");
        CheckpointFile.Save(without, Meta(2), new CheckpointFile.State(model, ema, opt, gen));
        CheckpointFile.Save(with, Meta(2) with { CreatedUtc = CheckpointFile.ReadMetadata(without).CreatedUtc }, new CheckpointFile.State(model, ema, opt, gen) { Auxiliary = [new("critic", aux, auxOpt)] });

        byte[] plain = File.ReadAllBytes(without);
        byte[] extended = File.ReadAllBytes(with);
        Assert.Equal(plain[..^32], extended[..(plain.Length - 32)]);
        Assert.Equal(1, BitConverter.ToInt32(extended, plain.Length - 32)); // the section starts with its count
    }

    [Fact]
    public void Load_AuxiliaryNetworksThatDoNotMatch_IsACheckpointErrorNamingThem()
    {
        var (model, ema, opt, gen) = Trained(1);
        var (aux, _, auxOpt, _) = Trained(2);
        string plain = Path.Combine(_dir, "plain.ckpt");
        string extended = Path.Combine(_dir, "aux.ckpt");
        CheckpointFile.Save(plain, Meta(2), new CheckpointFile.State(model, ema, opt, gen));
        CheckpointFile.Save(extended, Meta(2), new CheckpointFile.State(model, ema, opt, gen) { Auxiliary = [new("critic", aux, auxOpt)] });

        var (model2, ema2, opt2, gen2) = Trained(99);
        var (aux2, _, auxOpt2, _) = Trained(98);
        var expectsCritic = new CheckpointFile.State(model2, ema2, opt2, gen2) { Auxiliary = [new("critic", aux2, auxOpt2)] };
        var expectsOther = expectsCritic with { Auxiliary = [new("other", aux2, auxOpt2)] };
        var missing = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(plain, expectsCritic));
        var unexpected = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(extended, new CheckpointFile.State(model2, ema2, opt2, gen2)));
        var renamed = Assert.Throws<CheckpointException>(() => CheckpointFile.Load(extended, expectsOther));

        Assert.Contains("it stores [] besides the model, this run trains [critic]", missing.Message, StringComparison.Ordinal);
        Assert.Contains("it stores [critic] besides the model, this run trains []", unexpected.Message, StringComparison.Ordinal);
        Assert.Contains("it stores [critic] besides the model, this run trains [other]", renamed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AuxiliaryCheckpointForSampling_ReadsTheModelOnly()
    {
        // Sampling and evaluation load without an optimizer and never see the discriminator.
        var (model, ema, opt, gen) = Trained(1);
        var (aux, _, auxOpt, _) = Trained(2);
        string path = Path.Combine(_dir, "aux.ckpt");
        CheckpointFile.Save(path, Meta(2), new CheckpointFile.State(model, ema, opt, gen) { Auxiliary = [new("critic", aux, auxOpt)] });
        var (model2, ema2, _, _) = Trained(99);

        CheckpointFile.Load(path, new CheckpointFile.State(model2, ema2, null, null));

        AssertSameWeights(model, model2);
    }
}
