using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>How a cascade's upscaler samples (each stage of <c>ddpm sample --upscale</c> and <c>ddpm eval --upscale</c> has one).</summary>
/// <param name="Sampler">Sampler registry name.</param>
/// <param name="Steps">Network evaluations; null: the sampler's default for the upscaler's schedule.</param>
/// <param name="Spacing">Timestep spacing name, or "auto" (the sampler's default).</param>
/// <param name="Eta">DDIM stochasticity.</param>
/// <param name="Seed">Image i's x_T noise and augmentation noise depend only on (seed, i).</param>
/// <param name="Batch">Images per forward pass.</param>
/// <param name="Guidance">Guidance weight on the low-resolution condition (0: the conditional branch alone).</param>
/// <param name="RawWeights">Use the trained weights instead of the EMA weights.</param>
public sealed record UpscaleSampling(string Sampler, int? Steps, string Spacing, double Eta, long Seed, int Batch, double Guidance, bool RawWeights)
{
    /// <summary>The steps this sampling takes on <paramref name="formulation"/>.</summary>
    public int StepsFor(IFormulation formulation) => Steps ?? Samplers.Find(Sampler).StepsFor(formulation.FullSteps);
}

/// <summary>
/// A super-resolution run as the second stage of a cascade: its latest checkpoint found and checked (a super-resolution model,
/// an augmentation level in [0, 1]) before anything is sampled or written, then run over low-resolution images.
/// </summary>
public sealed class CascadeUpscaler
{
    private CascadeUpscaler(string run, string checkpoint, CheckpointMetadata metadata, double level)
    {
        Run = run;
        Checkpoint = checkpoint;
        Metadata = metadata;
        Level = level;
    }

    /// <summary>The run folder, as an absolute path.</summary>
    public string Run { get; }

    public string Checkpoint { get; }

    public CheckpointMetadata Metadata { get; }

    /// <summary>The augmentation level s the low-resolution images are noised at.</summary>
    public double Level { get; }

    public int InputSize => Metadata.Config.Model.SuperResolution!.InputSize;

    public int OutputSize => Metadata.ImageSize;

    /// <summary>The shape of one output's x_T: [C, H, W] at the output size.</summary>
    public long[] SampleShape => [Metadata.Channels, OutputSize, OutputSize];

    /// <summary>Reads the header of the run's latest checkpoint (or of step <paramref name="step"/>) and refuses a base model or a level outside [0, 1].</summary>
    /// <param name="option">How the user named the run (e.g. "--upscale"), for the error messages.</param>
    /// <param name="augLevel">The level to sample at; null: the run's model.super_resolution.augmentation_level.</param>
    /// <param name="step">A given checkpoint (an evaluation protocol names one); null: the latest.</param>
    public static CascadeUpscaler Open(string runFolder, string option, double? augLevel, int? step = null)
    {
        ArgumentNullException.ThrowIfNull(runFolder);
        var run = new RunDirectory(runFolder);
        if (!run.Exists) throw new CheckpointException($"{option} {run.Root} does not exist; pass the --out folder of a ddpm train run of an upscaler.");
        string checkpoint = step is int s
            ? File.Exists(run.CheckpointPath(s)) ? run.CheckpointPath(s) : throw new CheckpointException($"{option} {run.Root} has no checkpoint of step {s} (it was pruned or never written); evaluate with its latest checkpoint instead.")
            : run.LatestCheckpoint() ?? throw new CheckpointException($"{option} {run.Root} has no checkpoint yet; train it first (ddpm train --config configs/demo-sr.json --out {run.Root}).");
        var metadata = CheckpointFile.ReadMetadata(checkpoint);
        CascadeCheck.ThrowIfNotUpscaler(metadata, $"{option} {run.Root}");
        double level = augLevel ?? metadata.Config.Model.SuperResolution!.AugmentationLevel;
        if (level is < 0 or > 1 || double.IsNaN(level))
            throw new ArgumentException($"--aug-level {level} is outside [0, 1]; it is the fraction of the augmentation schedule (0 = clean input, 0.2 the usual choice).");
        return new CascadeUpscaler(run.Root, checkpoint, metadata, level);
    }

    /// <summary>Super-resolves <paramref name="low"/> (float [N, C, h, w] in [−1, 1]); returns [N, C, H, W] in [−1, 1] on the CPU.</summary>
    /// <param name="progress">Called with (images done, images total) after each batch.</param>
    /// <param name="startingNoise">This stage's x_T, float [N, …<see cref="SampleShape"/>], used exactly; null: drawn from (seed, i).</param>
    public Tensor Upscale(Tensor low, UpscaleSampling sampling, Device device, Action<int, int>? progress = null, Tensor? startingNoise = null)
    {
        ArgumentNullException.ThrowIfNull(low);
        ArgumentNullException.ThrowIfNull(sampling);
        using var loaded = LoadedModel.Load(Checkpoint, device, useEma: !sampling.RawWeights);
        var model = loaded.Model;
        var formulation = Formulations.For(Metadata.Config.Diffusion);
        var sampler = new SamplerChoice(sampling.Sampler, sampling.Eta);
        sampler.Create(model.ClipDenoised); // an option of another sampler fails here, before any sampling
        var levels = NoiseLevels.Create(TimestepSpacings.Parse(sampling.Spacing, sampling.Sampler, formulation), sampling.StepsFor(formulation), formulation);
        var source = new LowResolutionSource(low, Level, sampling.Seed);
        var request = new GenerationRequest(source.Count, sampler, levels, sampling.Seed, sampling.Batch, source, sampling.Guidance, StartingNoise: startingNoise);
        return ImageGenerator.Generate(model, formulation, request, device, progress);
    }
}
