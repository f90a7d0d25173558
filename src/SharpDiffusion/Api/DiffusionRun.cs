using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Runtime;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Api;

/// <summary>
/// The common path in a few calls, for applications that reference the library: train a config into a run folder, load a
/// trained run, generate images with a sampler. A thin layer over <see cref="Trainer"/>, <see cref="LoadedModel"/> and
/// <see cref="ImageGenerator"/>; use those directly for anything else. docs/library.md shows it in use.
/// </summary>
public sealed class DiffusionRun : IDisposable
{
    private readonly LoadedModel _loaded;

    private DiffusionRun(LoadedModel loaded, Device device)
    {
        _loaded = loaded;
        Device = device;
    }

    /// <summary>What the checkpoint holds besides weights: its step, resolved config, class names, image shape.</summary>
    public CheckpointMetadata Metadata => _loaded.Metadata;

    public Device Device { get; }

    /// <summary>Loads a run's latest checkpoint (or the checkpoint file given) with its EMA weights.</summary>
    public static DiffusionRun Load(string runFolderOrCheckpoint, DeviceKind device = DeviceKind.Auto)
    {
        string checkpoint = File.Exists(runFolderOrCheckpoint) ? runFolderOrCheckpoint
            : new RunDirectory(runFolderOrCheckpoint).LatestCheckpoint()
              ?? throw new CheckpointException($"{runFolderOrCheckpoint} holds no checkpoint; pass a run folder written by training or a .ckpt file.");
        var torchDevice = NativeRuntime.Initialize(device);
        return new DiffusionRun(LoadedModel.Load(checkpoint, torchDevice), torchDevice);
    }

    /// <summary>
    /// Generates <paramref name="count"/> images as uint8 [count, C, H, W] on the CPU; image i depends only on (seed, i).
    /// <paramref name="sampler"/> is a name from <see cref="Samplers.Names"/>. A class-conditional model draws class i mod K
    /// for image i unless <paramref name="labels"/> says otherwise. Sampler, steps and spacing not given are the run's
    /// <c>sampling</c> section's, as for <c>ddpm sample</c> (<see cref="RunSampling"/>): DDIM 50 with its default spacing for a
    /// trained run, the library's own sampling for an imported one. <paramref name="startingNoise"/>: see <see cref="GenerateArray"/>.
    /// </summary>
    /// <param name="spacing">A name from <see cref="TimestepSpacings.Names"/>, or auto.</param>
    public Tensor Generate(int count, string? sampler = null, int? steps = null, long seed = 0, IReadOnlyList<long>? labels = null, double guidance = 0, int batchSize = 64,
        string spacing = "auto", Tensor? startingNoise = null)
    {
        using var images = GenerateArray(count, sampler, steps, seed, labels, guidance, batchSize, spacing, startingNoise);
        return ImageCodec.ToUint8(images);
    }

    /// <summary>
    /// As <see cref="Generate"/>, but the samples before quantisation: float32 [count, C, H, W] on the CPU, in [−1, 1] (a latent
    /// run's are decoded to pixels). <paramref name="startingNoise"/> is x_T, float32/float64 [count, …<see cref="SampleShape"/>],
    /// used exactly as given (null: drawn from (seed, i), as <see cref="StartingNoiseFor"/> returns it); a stochastic sampler still
    /// draws its later noise from <paramref name="seed"/>.
    /// </summary>
    public Tensor GenerateArray(int count, string? sampler = null, int? steps = null, long seed = 0, IReadOnlyList<long>? labels = null, double guidance = 0, int batchSize = 64,
        string spacing = "auto", Tensor? startingNoise = null)
    {
        var config = Metadata.Config;
        var formulation = Formulations.For(config.Diffusion);
        var plan = RunSampling.Resolve(config.Sampling, sampler, steps, spacing, formulation);
        labels ??= config.Model.ClassConditional ? Enumerable.Range(0, count).Select(i => (long)(i % config.Model.NumClasses)).ToArray() : null;
        var conditions = labels is null ? null : new ClassLabelSource(labels);
        var request = new GenerationRequest(count, new SamplerChoice(plan.Sampler), plan.LevelsFor(formulation), seed, batchSize, conditions, guidance, StartingNoise: startingNoise);
        return ImageGenerator.Generate(_loaded.Model, formulation, request, Device, space: _loaded.Space);
    }

    /// <summary>The shape of one sample's x_T: [C, H, W] of the images, or of the latents for a latent run.</summary>
    public long[] SampleShape => _loaded.Model.SampleShape;

    /// <summary>The x_T that generating <paramref name="count"/> images from <paramref name="seed"/> starts from: float32 [count, …<see cref="SampleShape"/>] on the CPU.</summary>
    public Tensor StartingNoiseFor(int count, long seed) => StartingNoise.FromSeed(seed, count, SampleShape);

    /// <summary>
    /// Trains <paramref name="config"/> into <paramref name="runFolder"/> (checkpoints, log.csv, sample grids, as <c>ddpm train</c>
    /// writes them) until <c>training.steps</c> or until <paramref name="cancel"/> fires; either way the last step is checkpointed.
    /// With <paramref name="resume"/> it continues the run's latest checkpoint.
    /// </summary>
    public static TrainingResult Train(RunConfig config, string runFolder, bool resume = false, Action<TrainingProgress>? progress = null,
        string? datasetCache = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(config.Training.Device));
        using var data = DatasetLoader.Load(config.Data, datasetCache, out _, config.Seed);
        var run = new RunDirectory(runFolder);
        using var runLock = RunLock.Acquire(run);
        if (resume != run.HasRunContent) // never train over a run, nor "resume" nothing
            throw new CheckpointException(resume ? $"{run.Root} holds no run to resume; train with resume: false." : $"{run.Root} already holds a run; resume it (resume: true) or train into another folder.");
        // A latent run's encoded data is cached beside the decoded dataset (when that is cached).
        var trainer = new Trainer(config, data, run, device) { LatentCacheDir = datasetCache is null ? null : Path.Combine(datasetCache, "latents") };
        if (progress is not null) trainer.Progress += progress;
        return trainer.Run(resume, cancel);
    }

    public void Dispose() => _loaded.Dispose();
}
