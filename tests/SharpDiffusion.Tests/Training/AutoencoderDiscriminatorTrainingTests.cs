using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Models.Autoencoder;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Training;

/// <summary>The optional patch discriminator through the shared trainer: off changes nothing, on resumes exactly and trains.</summary>
[Collection(TrainingTestGroup.Name)]
public sealed class AutoencoderDiscriminatorTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-ae-disc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static RunConfig WithDiscriminator(RunConfig config, double weight, int start, int layers = 3) => config with
    {
        Model = new ModelConfig { Autoencoder = config.Model.Autoencoder! with { DiscriminatorWeight = weight, DiscriminatorStart = start, DiscriminatorLayers = layers, DiscriminatorDim = 16 } },
    };

    [Fact]
    public void Train_DiscriminatorWeightZero_BuildsDrawsAndStoresNothingForIt()
    {
        // Weight 0 means no discriminator: its other keys, set far from their defaults, then change nothing — no network, no
        // random draw, no checkpoint section — so the run equals the run without them bit for bit. That this path also equals
        // the code from before the discriminator existed was measured once (docs/BENCHMARKS.md, "Latent diffusion").
        var plain = AutoencoderTrainingTests.Tiny(4);
        var off = WithDiscriminator(plain, weight: 0, start: 0, layers: 2);
        using var data = DatasetLoader.Load(plain.Data, cacheDir: null, out _, plain.Seed);
        var without = new RunDirectory(Path.Combine(_dir, "without"));
        var zero = new RunDirectory(Path.Combine(_dir, "zero"));

        new Trainer(plain, data, without, CPU).Run(resume: false);
        new Trainer(off, data, zero, CPU).Run(resume: false);

        Assert.Equal(CheckpointStateBytes.Of(without.CheckpointPath(4)), CheckpointStateBytes.Of(zero.CheckpointPath(4)));
    }

    [Theory]
    [InlineData(0)] // adversarial from step 1: the first checkpoint (step 2) holds two discriminator updates
    [InlineData(1)] // adversarial from step 2: the run resumes right after the discriminator's first update
    public void Resume_DiscriminatorOn_TwoStepsThenTwoEqualsFourStepsBitwise(int start)
    {
        RunConfig Config(int steps) => WithDiscriminator(AutoencoderTrainingTests.Tiny(steps), weight: 0.5, start);
        using var data = DatasetLoader.Load(Config(4).Data, cacheDir: null, out _, 3);
        var straight = new RunDirectory(Path.Combine(_dir, "straight"));
        new Trainer(Config(4), data, straight, CPU).Run(resume: false);
        var split = new RunDirectory(Path.Combine(_dir, "split"));
        new Trainer(Config(2), data, split, CPU).Run(resume: false);
        var second = new Trainer(Config(4), data, split, CPU).Run(resume: true);

        Assert.Equal((2, 4), (second.StartStep, second.FinalStep));
        Assert.Equal(CheckpointStateBytes.Of(straight.CheckpointPath(4)), CheckpointStateBytes.Of(split.CheckpointPath(4)));
        var losses = new TrainingLog(straight.LogPath).Read().Select(r => (r.Step, r.Loss)).ToList();
        Assert.Equal(losses, new TrainingLog(split.LogPath).Read().Select(r => (r.Step, r.Loss)));
        Assert.All(losses, r => Assert.True(double.IsFinite(r.Loss), $"step {r.Step}: loss {r.Loss}"));
    }

    [Fact]
    public void Train_DiscriminatorOn_TrainsItAndChangesTheAutoencoder()
    {
        // 16×16 without the perceptual term keeps it cheap; 2 layers leave 2×2 patches. Two steps, because Adam's first step
        // moves every weight by ±lr whatever the gradient's size: one step could leave equal weights from different gradients.
        var tiny = AutoencoderTrainingTests.Tiny(2);
        var plain = tiny with
        {
            Data = tiny.Data with { ImageSize = 16 },
            Model = new ModelConfig { Autoencoder = tiny.Model.Autoencoder! with { PerceptualWeight = 0 } },
        };
        var adversarial = WithDiscriminator(plain, weight: 0.5, start: 0, layers: 2);
        using var data = DatasetLoader.Load(plain.Data, cacheDir: null, out _, plain.Seed);
        var off = new RunDirectory(Path.Combine(_dir, "plain"));
        var on = new RunDirectory(Path.Combine(_dir, "adversarial"));
        new Trainer(plain, data, off, CPU).Run(resume: false);
        new Trainer(adversarial, data, on, CPU).Run(resume: false);

        // The run's objective rebuilt and loaded from its checkpoint (StateWith names the discriminator), next to a fresh discriminator.
        using var objective = new AutoencoderObjective(adversarial, data, CPU);
        using var generator = new Generator(1);
        var state = objective.StateWith(generator);
        CheckpointFile.Load(on.CheckpointPath(2), state);
        var model = (AutoencoderKL)state.Model;
        var trained = Assert.Single(state.Auxiliary).Network;
        using var initial = ModelFactory.CreateDiscriminator(adversarial, 3, CPU);
        using var withoutAdversary = LoadedAutoencoder.Load(off.CheckpointPath(2), CPU, useEma: false);

        Assert.False(Same(model.LastLayerWeight, withoutAdversary.Model.LastLayerWeight), "λ·L_G changes the decoder's updates");
        // Every tensor but the last bias moves. While all logits lie inside the hinge's margins (|D| < 1, as at initialisation),
        // ∂L_D/∂b = ½(−1 + 1) = 0 for the bias b of the last convolution, so Adam leaves it exactly where it was.
        var pairs = initial.parameters().Zip(trained.parameters()).ToList();
        Assert.All(pairs[..^1], pair => Assert.False(Same(pair.First, pair.Second), "every discriminator weight was updated"));
        Assert.True(Same(pairs[^1].First, pairs[^1].Second), "the last bias has a zero gradient inside the margins");
    }

    private static bool Same(Tensor a, Tensor b) => a.equal(b).all().item<bool>();
}
