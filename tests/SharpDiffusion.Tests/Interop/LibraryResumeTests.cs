using SharpDiffusion.Diffusion;
using SharpDiffusion.Interop.DenoisingDiffusionPytorch;
using SharpDiffusion.Models;
using SharpDiffusion.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

/// <summary>
/// Continuing an imported run: one training step from results/model-1.pt (step 150) with the batch, t and noise the
/// library used for resume.npz must give the library's loss, Adam moments and weights after its step 151, and the update
/// must be Adam's from the imported moments (bias correction at step 151).
/// </summary>
public sealed class LibraryResumeTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] Probed = ["init_conv.weight", "time_mlp.1.bias", "final_conv.weight", "final_conv.bias"];
    private readonly string _out = InteropFixtures.TempFolder();

    public void Dispose()
    {
        if (Directory.Exists(_out)) Directory.Delete(_out, recursive: true);
    }

    [Fact]
    public void Resume_ImportedCheckpoint_OneStepGivesTheLibrarysAdamUpdate()
    {
        var result = TrainerCheckpointImport.Import(LibraryFixture.Model1, _out, new TrainerCheckpointImport.Options(ImageSize: 16));
        var config = result.Config;
        var fixture = LibraryFixture.Npz("resume.npz");
        using var generator = new Generator(0, CPU);
        using var model = ModelFactory.Create(config, 3, 16, CPU);
        using var ema = ModelFactory.CreateEma(model, config, CPU);
        using var update = ParameterUpdates.Create(config, model, ema, config.Training.EmaStart); // what train --resume builds
        var meta = CheckpointFile.Load(result.Checkpoint, new CheckpointFile.State(model, ema, update.Checkpointed, generator));
        update.AfterLoad();
        Assert.Equal(150, meta.Step);
        var weights = model.state_dict();
        foreach (var name in Probed) Assert.Equal(0, InteropFixtures.MaxAbsDifference(weights[name], fixture[$"{name}:before"]));
        var before = Probed.ToDictionary(n => n, n => weights[n].clone());

        // The imported moments, read back from our checkpoint's optimizer state, for the hand computation below.
        var states = ((TorchSharp.Modules.OptimizerHelper)update.Checkpointed).state_dict().State;
        var names = model.named_parameters().Select(p => p.name).ToList();
        var moments = Probed.ToDictionary(n => n, n => ((TorchSharp.Modules.Adam.State)states[names.IndexOf(n)]).exp_avg.clone());
        var squares = Probed.ToDictionary(n => n, n => ((TorchSharp.Modules.Adam.State)states[names.IndexOf(n)]).exp_avg_sq.clone());
        Assert.All(states, s => Assert.Equal(150, ((TorchSharp.Modules.Adam.State)s).step));

        // The library's step: loss = mean over the batch of loss_weight[t] · mean((v̂ − v)²), batch mapped from [0, 1] to [−1, 1].
        var diffusion = new GaussianDiffusion(config.Diffusion);
        var x0 = fixture["batch"] * 2 - 1;
        var (t, noise) = (fixture["t"], fixture["noise"]);
        model.train();
        update.ZeroGrad();
        var prediction = update.ForwardModel.forward(diffusion.QSample(x0, t, noise), t, Conditioning.None);
        var loss = ((prediction - diffusion.Target(x0, noise, t)).square().flatten(1).mean([1]) * diffusion.LossWeight(t)).mean();
        double libraryLoss = fixture["loss"].item<float>();
        output.WriteLine($"loss {loss.item<float>():G9}, library {libraryLoss:G9}");
        Assert.Equal(libraryLoss, loss.item<float>(), 1e-6);
        loss.backward();
        var gradients = Probed.ToDictionary(n => n, n => model.named_parameters().First(p => p.name == n).parameter.grad!.clone());
        Assert.True(update.Apply(151).item<bool>());

        var (b1, b2, lr) = (config.Training.AdamBeta1, config.Training.AdamBeta2, config.Training.Lr);
        foreach (var name in Probed)
        {
            // Adam (Kingma & Ba 2015, Alg. 1) from the imported moments; the gradient norm (0.56) is below the clip at 1.
            var g = gradients[name].to_type(ScalarType.Float64);
            var m = moments[name].to_type(ScalarType.Float64) * b1 + g * (1 - b1);
            var v = squares[name].to_type(ScalarType.Float64) * b2 + g.square() * (1 - b2);
            var hand = before[name].to_type(ScalarType.Float64) - lr / (1 - Math.Pow(b1, 151)) * m / (v.sqrt() / Math.Sqrt(1 - Math.Pow(b2, 151)) + 1e-8);
            var after = model.state_dict()[name];
            double toHand = InteropFixtures.MaxAbsDifference(after, hand), toLibrary = InteropFixtures.MaxAbsDifference(after, fixture[$"{name}:after"]);
            double scale = fixture[$"{name}:exp_avg"].abs().max().item<float>();
            double moment = InteropFixtures.MaxAbsDifference(((TorchSharp.Modules.Adam.State)states[names.IndexOf(name)]).exp_avg, fixture[$"{name}:exp_avg"]) / scale;
            output.WriteLine($"{name}: after − hand {toHand:G3}, after − library {toLibrary:G3}, exp_avg − library {moment:G3} of its largest");
            Assert.True(toHand < 1e-7, $"{name}: {toHand}"); // float32 weights against a float64 hand computation: their rounding, 6e-8 at |θ| < 1
            Assert.True(toLibrary < 1e-7, $"{name}: {toLibrary}"); // README: about 1e-7 absolute for another float32 implementation
            Assert.True(moment < 1e-5, $"{name}: {moment}");
            // The step moved the weight by about lr: a test of the update, not of an unchanged copy.
            Assert.True(InteropFixtures.MaxAbsDifference(after, before[name]) > 1e-6);
        }
    }
}
