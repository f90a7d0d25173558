using System.Globalization;
using System.Runtime.InteropServices;
using SharpDiffusion.Config;
using SharpDiffusion.Latent;
using SharpDiffusion.Models;
using SharpDiffusion.Models.Autoencoder;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using SharpDiffusion.Tests.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>
/// Issue 22, step 1: the noise-level contract must change no bit of any DDPM result. Today's samplers, denoisers, generator
/// loop and training loss are copied into this folder (the Legacy* files, frozen at 8b02e6c); these tests run production
/// code (through <see cref="ProductionSampling"/>, the one file the refactor rewrites) and the copy on the same tiny seeded
/// U-Nets and inputs and require the float32 outputs to be bitwise equal. Before the refactor they check that the copy is
/// faithful; after it, that the new contract reproduces the old one exactly.
/// </summary>
[Collection(TrainingTestGroup.Name)]
public sealed class LegacySamplerOracleTests
{
    private const int T = 20;
    private const int Count = 3;
    private const int BatchSize = 2; // 3 samples in batches of 2: the batching and the per-sample noise streams are part of what is compared
    private const long Seed = 17;

    public enum Family
    {
        /// <summary>Unconditional pixel model, 8×8×3.</summary>
        Pixel,
        /// <summary>Class-conditional pixel model (3 classes), labels 0, 2, 1.</summary>
        ClassConditional,
        /// <summary>Super-resolution 4×4 → 8×8 with its noise-augmented low-resolution condition.</summary>
        SuperResolution,
        /// <summary>Latent model on an untrained KL-f4 autoencoder's 4×4×4 latents, decoded to 16×16 images; never clipped.</summary>
        Latent,
    }

    /// <summary>
    /// The cases: every sampler setting with its default spacing and every objective (unconditional pixels), every
    /// spacing with DDIM (guided and not), clipping off for every sampler, guidance 0 and 1.5 for every sampler on the
    /// class-conditional model, and every sampler on the super-resolution and latent families.
    /// </summary>
    public static IEnumerable<object?[]> Cases()
    {
        (string Sampler, double Eta, bool LargeVariance, int Steps)[] samplers =
        [
            ("ddpm", 0, false, T), ("ddpm", 0, true, 10), ("ddim", 0, false, 6), ("ddim", 0.5, false, 6), ("dpm-solver++", 0, false, 6), ("unipc", 0, false, 6),
        ];
        string[] objectives = ["eps", "x0", "v"], schedules = ["linear", "cosine"], spacings = ["leading", "trailing", "quadratic", "log-snr", "ddp"];
        int k = 0;
        // Rotating through objectives and schedules keeps every pairing represented without the full product.
        string Objective() => objectives[k % 3];
        string Schedule() => schedules[k++ / 3 % 2];

        // The full objective × schedule product for deterministic DDIM; the other settings take each objective once, on a
        // rotating schedule (the product would double the run time and test no new code path).
        foreach (var s in samplers)
            foreach (var objective in objectives)
                foreach (var schedule in s is ("ddim", 0.0, _, _) ? schedules : [Schedule()])
                    yield return Row(Family.Pixel, s, "default", objective, schedule, clip: null, guidance: 0);
        foreach (var spacing in spacings)
        {
            yield return Row(Family.Pixel, ("ddim", 0, false, 7), spacing, Objective(), Schedule(), clip: null, guidance: 0);
            yield return Row(Family.ClassConditional, ("ddim", 0, false, 7), spacing, Objective(), Schedule(), clip: false, guidance: 1.5);
            yield return Row(Family.SuperResolution, ("ddim", 0.5, false, 5), spacing, Objective(), Schedule(), clip: null, guidance: 0);
        }
        foreach (var s in samplers)
        {
            yield return Row(Family.Pixel, s, "default", Objective(), Schedule(), clip: false, guidance: 0);
            yield return Row(Family.ClassConditional, s, "default", Objective(), Schedule(), clip: null, guidance: 0);
            yield return Row(Family.ClassConditional, s, "default", Objective(), Schedule(), clip: true, guidance: 1.5);
            yield return Row(Family.SuperResolution, s, "default", Objective(), Schedule(), clip: null, guidance: k % 2 == 0 ? 1.5 : 0);
            yield return Row(Family.Latent, s, "default", Objective(), Schedule(), clip: null, guidance: 0);
        }
    }

    private static object?[] Row(Family family, (string Sampler, double Eta, bool LargeVariance, int Steps) s, string spacing, string objective, string schedule, bool? clip, double guidance) =>
        [family, s.Sampler, s.Eta, s.LargeVariance, s.Steps, spacing == "default" ? LegacyTimesteps.DefaultFor(s.Sampler) : spacing, objective, schedule, clip, guidance];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generate_ProductionAndLegacy_BitwiseEqual(Family family, string sampler, double eta, bool largeVariance, int steps, string spacing,
        string objective, string schedule, bool? clip, double guidance)
    {
        var diffusion = Diffusion(objective, schedule);
        using var setup = Setup.Of(family);

        using var production = ProductionSampling.Generate(setup.Model, diffusion, sampler, eta, largeVariance, spacing, steps, Seed, Count, BatchSize,
            setup.Conditions, guidance, clip, setup.Space);
        using var legacy = Legacy(setup, diffusion, sampler, eta, largeVariance, spacing, steps, guidance, clip);

        AssertAsLegacy(legacy, production, objective);
    }

    [Theory]
    [InlineData(Family.Pixel, "ddim", 0.0)]
    [InlineData(Family.ClassConditional, "ddpm", 1.5)]
    [InlineData(Family.Latent, "unipc", 0.0)]
    public void Generate_GivenStartingNoiseOrPixelSpace_BitwiseEqual(Family family, string sampler, double guidance)
    {
        // A given x_T replaces the seeded one (which is still drawn, so that later noise is the seeded run's); the pixel family
        // goes through the default PixelSpace here (clamped images) instead of the raw samples the other cases compare.
        var diffusion = Diffusion("v", "cosine");
        using var setup = Setup.Of(family, rawPixels: false);
        using var generator = new TorchSharp.torch.Generator(5);
        using var xT = randn([Count, .. setup.Model.SampleShape], generator: generator);
        string spacing = LegacyTimesteps.DefaultFor(sampler);
        int steps = sampler == "ddpm" ? T : 5;

        using var production = ProductionSampling.Generate(setup.Model, diffusion, sampler, 0, false, spacing, steps, Seed, Count, BatchSize,
            setup.Conditions, guidance, clip: null, setup.Space, startingNoise: xT);
        using var legacy = Legacy(setup, diffusion, sampler, 0, false, spacing, steps, guidance, clip: null, startingNoise: xT);

        AssertAsLegacy(legacy, production, "v");
    }

    private static Tensor Legacy(Setup setup, DiffusionConfig diffusion, string sampler, double eta, bool largeVariance, string spacing, int steps, double guidance, bool? clip,
        Tensor? startingNoise = null)
    {
        using var process = new LegacyGaussianDiffusion(diffusion);
        var timesteps = LegacyTimesteps.Create(spacing, steps, process.Schedule);
        var legacySampler = LegacyImageGenerator.CreateSampler(sampler, eta, largeVariance, LegacyImageGenerator.ClipDenoised(setup.Model, clip));
        return LegacyImageGenerator.Generate(setup.Model, process, Count, legacySampler, timesteps, Seed, BatchSize, setup.Conditions, guidance, CPU, setup.Space, startingNoise);
    }

    /// <summary>Objective, schedule and Min-SNR rows for the training comparisons, each on one family.</summary>
    public static TheoryData<string, string, double, Family> TrainingCases => new()
    {
        { "eps", "linear", 0, Family.Pixel },
        { "x0", "cosine", 0, Family.ClassConditional },
        { "v", "cosine", 0, Family.SuperResolution },
        { "eps", "cosine", 5, Family.ClassConditional },
        { "x0", "linear", 5, Family.Pixel },
        { "v", "linear", 5, Family.SuperResolution },
    };

    [Theory]
    [MemberData(nameof(TrainingCases))]
    public void TrainingLoss_ProductionAndLegacy_BitwiseEqualLossesAndGradients(string objective, string schedule, double minSnrGamma, Family family)
    {
        var config = RunFor(objective, schedule, minSnrGamma, family);
        using var productionModel = ModelFactory.Create(config, 3, 8, CPU);
        using var legacyModel = ModelFactory.Create(config, 3, 8, CPU);
        using var legacyDiffusion = new LegacyGaussianDiffusion(config.Diffusion);
        using var productionGenerator = new TorchSharp.torch.Generator(21);
        using var legacyGenerator = new TorchSharp.torch.Generator(21);
        productionModel.train();
        legacyModel.train();

        for (int call = 0; call < 3; call++)
        {
            using var scope = NewDisposeScope();
            var (images, labels) = Batch(call);
            // The pair (x₀, condition) is the production FromData on both sides: it is conditioning code, not the contract.
            var (x0, condition) = productionModel.Accepts.FromData(images, labels, productionGenerator);
            var (legacyX0, legacyCondition) = legacyModel.Accepts.FromData(images, labels, legacyGenerator);
            foreach (var p in productionModel.parameters()) p.grad?.zero_();
            foreach (var p in legacyModel.parameters()) p.grad?.zero_();

            random.manual_seed(60 + call); // network dropout draws from libtorch's global generator: the same mask on both sides
            var productionLoss = ProductionSampling.TrainingLoss(productionModel, config.Diffusion, x0, condition, productionGenerator);
            random.manual_seed(60 + call);
            var legacyLoss = legacyDiffusion.TrainingLoss((xt, t) => legacyModel.forward(xt, t, legacyCondition), legacyX0, legacyGenerator);
            productionLoss.backward();
            legacyLoss.backward();

            AssertBitwiseEqual(legacyLoss, productionLoss, $"loss of call {call}");
            foreach (var ((name, legacyParameter), (_, productionParameter)) in legacyModel.named_parameters().Zip(productionModel.named_parameters()))
                AssertBitwiseEqual(legacyParameter.grad!, productionParameter.grad!, $"gradient of {name}, call {call}");
        }
        // Both generators must have drawn the same amount (t, then ε): their next draws agree.
        AssertBitwiseEqual(rand([4], generator: legacyGenerator), rand([4], generator: productionGenerator), "the generators' next draw");
    }

    [Theory]
    [MemberData(nameof(TrainingCases))]
    public void TrainingStep_ProductionAndLegacy_BitwiseEqualLossesWeightsAndEma(string objective, string schedule, double minSnrGamma, Family family)
    {
        var config = RunFor(objective, schedule, minSnrGamma, family);
        var (images, labels) = Batch(0);
        using (images)
        using (labels)
        {
            var (productionLosses, productionState) = Train(config, (update, generator) => ProductionSampling.TrainingSteps(config, update, images, labels, generator, steps: 3));
            var (legacyLosses, legacyState) = Train(config, (update, generator) =>
            {
                using var diffusion = new LegacyGaussianDiffusion(config.Diffusion);
                var step = new LegacyTrainingStep(config, update, diffusion);
                var losses = new float[3];
                for (int i = 0; i < losses.Length; i++)
                {
                    using var scope = NewDisposeScope();
                    var (x0, condition) = update.ForwardModel.Accepts.FromData(images, labels, generator);
                    var (loss, applied) = step.Run(i + 1, x0, condition, generator);
                    Assert.True(applied.item<bool>());
                    losses[i] = loss.item<float>();
                }
                return losses;
            });

            Assert.Equal(legacyLosses.Select(BitConverter.SingleToInt32Bits), productionLosses.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(legacyState.Keys, productionState.Keys);
            foreach (var (key, legacyValue) in legacyState)
                Assert.True(legacyValue.AsSpan().SequenceEqual(productionState[key]), $"{key} differs after 3 steps");
        }
    }

    /// <summary>Runs <paramref name="steps"/> on a fresh model, EMA and optimizer from the config's seed; returns the losses and the bytes of every model and EMA tensor.</summary>
    private static (float[] Losses, Dictionary<string, byte[]> State) Train(RunConfig config, Func<IParameterUpdate<UNet>, TorchSharp.torch.Generator, float[]> steps)
    {
        using var model = ModelFactory.Create(config, 3, 8, CPU);
        using var ema = ModelFactory.CreateEma(model, config, CPU);
        using var update = ParameterUpdates.Create(config, model, ema, emaStart: 0);
        using var generator = new TorchSharp.torch.Generator(8);
        model.train();
        update.ForwardModel.train();
        random.manual_seed(99); // network dropout draws from libtorch's global generator: the same draws on both sides
        var losses = steps(update, generator);
        var state = new Dictionary<string, byte[]>();
        foreach (var (name, value) in model.state_dict()) state["model." + name] = Bytes(value);
        foreach (var (name, value) in ema.state_dict()) state["ema." + name] = Bytes(value);
        return (losses, state);
    }

    private static RunConfig RunFor(string objective, string schedule, double minSnrGamma, Family family) => new()
    {
        Seed = 4,
        Data = new DataConfig { ImageSize = 8 },
        Model = Setup.NetworkConfig(family) with { Dropout = 0.1 },
        Diffusion = Diffusion(objective, schedule) with { MinSnrGamma = minSnrGamma },
        Training = new TrainingConfig { BatchSize = 4, Lr = 3e-3, WarmupSteps = 2, EmaDecay = 0.9, EmaEvery = 1, EmaStart = 0, Device = "cpu" },
    };

    /// <summary>A batch of 4 images in [−1, 1] and labels in 0 … 2, fixed by <paramref name="call"/>.</summary>
    private static (Tensor Images, Tensor Labels) Batch(int call)
    {
        using var generator = new TorchSharp.torch.Generator((ulong)(100 + call));
        return (rand([4, 3, 8, 8], generator: generator) * 2 - 1, tensor(new long[] { call % 3, 2, 1, 0 }));
    }

    private static DiffusionConfig Diffusion(string objective, string schedule) => new()
    {
        Timesteps = T,
        Objective = objective switch { "eps" => Objective.Eps, "x0" => Objective.X0, _ => Objective.V },
        Schedule = schedule == "linear" ? BetaSchedule.Linear : BetaSchedule.Cosine,
    };

    private static byte[] Bytes(Tensor t)
    {
        using var cpu = t.detach().cpu().contiguous();
        return cpu.dtype switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int64 => MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan()).ToArray(),
            _ => throw new NotSupportedException($"no byte view for {cpu.dtype}"),
        };
    }

    /// <summary>
    /// The contract refactor (issue 22 step 1) left every result bitwise as it was; step 4 then let x₀- and v-models hand the
    /// sampler their x̂₀ natively instead of rebuilding it from ε̂ as the legacy code does (x_t/√ᾱ − ε̂·√((1−ᾱ)/ᾱ)), a deliberate
    /// change of the last bits: an ε-model must still match bitwise, an x₀- or v-model to within that rebuild's float32 error
    /// (1/√ᾱ reaches 10–40 on these T = 20 schedules: measured at most 2e-4, in an unclipped case guided with w = 1.5, whose
    /// extrapolation multiplies the difference by up to 1 + 2w; 1e-3 allowed).
    /// </summary>
    private static void AssertAsLegacy(Tensor legacy, Tensor production, string objective)
    {
        if (objective == "eps")
        {
            AssertBitwiseEqual(legacy, production);
            return;
        }
        Assert.Equal(legacy.shape, production.shape);
        double difference = (legacy.to(ScalarType.Float64) - production.to(ScalarType.Float64)).abs().max().item<double>();
        Assert.True(difference <= 1e-3, $"{objective}: the native x̂₀ moved the samples by {difference:G3} from the legacy ε̂ round trip");
    }

    /// <summary>Equal dtype, shape and bytes, and finite (two equal NaN results would prove nothing).</summary>
    private static void AssertBitwiseEqual(Tensor expected, Tensor actual, string what = "samples")
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.isfinite().all().item<bool>(), $"the legacy {what} are not all finite");
        byte[] e = Bytes(expected), a = Bytes(actual);
        if (e.AsSpan().SequenceEqual(a)) return;
        using var difference = (expected.detach().to(ScalarType.Float64) - actual.detach().to(ScalarType.Float64)).abs();
        long differing = difference.gt(0).sum().item<long>();
        Assert.Fail(string.Create(CultureInfo.InvariantCulture,
            $"{what}: {differing} of {expected.numel()} values differ from the legacy oracle, by up to {difference.max().item<double>():G17}"));
    }

    /// <summary>A tiny seeded network of one family with its conditions and sample space (owned: disposed together).</summary>
    private sealed class Setup : IDisposable
    {
        private readonly Tensor? lowResolution;

        private Setup(IDiffusionNetwork model, IConditioningSource? conditions, ISampleSpace space, Tensor? lowResolution)
        {
            Model = model;
            Conditions = conditions;
            Space = space;
            this.lowResolution = lowResolution;
        }

        public IDiffusionNetwork Model { get; }

        public IConditioningSource? Conditions { get; }

        public ISampleSpace Space { get; }

        public static ModelConfig NetworkConfig(Family family)
        {
            var tiny = new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [4], Heads = 2, HeadDim = 4, Groups = 4 };
            return family switch
            {
                Family.Pixel => tiny,
                Family.ClassConditional => tiny with { ClassConditional = true, NumClasses = 3 },
                Family.SuperResolution => tiny with { AttentionResolutions = [], SuperResolution = new SuperResolutionConfig { InputSize = 4 } },
                _ => tiny with { AttentionResolutions = [2], Latent = new LatentConfig { Autoencoder = "in-memory" } },
            };
        }

        /// <param name="rawPixels">Pixel families: compare the raw samples (an identity space), not the clamped images.</param>
        public static Setup Of(Family family, bool rawPixels = true)
        {
            random.manual_seed(31 + (int)family);
            var config = NetworkConfig(family);
            if (family == Family.Latent)
            {
                // An untrained autoencoder is enough: the latent path is "sample unclipped in latent space, then decode".
                var autoencoder = new AutoencoderKL(new AutoencoderConfig { Factor = 4, LatentChannels = 4, Dim = 16, ResBlocks = 1, Groups = 8, PerceptualWeight = 0 }, 3, 16);
                autoencoder.eval();
                var space = new LatentSpace(new LoadedAutoencoder(autoencoder, new CheckpointMetadata { Config = new RunConfig() }, "in-memory"), scaleFactor: 1.7);
                var latentModel = new UNet(config, 4, 4);
                latentModel.eval();
                return new Setup(latentModel, null, space, null);
            }
            var model = new UNet(config, 3, 8);
            model.eval();
            ISampleSpace pixels = rawPixels ? RawSamples.Instance : PixelSpace.Instance;
            switch (family)
            {
                case Family.ClassConditional:
                    return new Setup(model, new ClassLabelSource([0, 2, 1]), pixels, null);
                case Family.SuperResolution:
                    using (var generator = new TorchSharp.torch.Generator(3))
                    {
                        var low = (rand([Count, 3, 4, 4], generator: generator) * 2 - 1).DetachFromDisposeScope();
                        return new Setup(model, new LowResolutionSource(low, 0.2, seed: 9), pixels, low);
                    }
                default:
                    return new Setup(model, null, pixels, null);
            }
        }

        public void Dispose()
        {
            ((IDisposable)Model).Dispose();
            Space.Dispose();
            lowResolution?.Dispose();
        }
    }

    /// <summary>Pixel samples exactly as the sampler returned them (no clamp), so that differences beyond [−1, 1] show too.</summary>
    private sealed class RawSamples : ISampleSpace
    {
        public static readonly RawSamples Instance = new();

        public bool Clips => true;

        public Tensor ToImages(Tensor samples) => samples.alias();

        public void Dispose()
        {
        }
    }
}
