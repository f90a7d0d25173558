using SharpDiffusion.Diffusion;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// A super-resolution run as the second stage of <c>ddpm sample --upscale</c> or as <c>ddpm upscale</c>: found and checked
/// before anything is sampled or written, then run over low-resolution images with the same sampler options.
/// </summary>
internal sealed class UpscaleStage
{
    private UpscaleStage(string checkpoint, CheckpointMetadata metadata, double level)
    {
        Checkpoint = checkpoint;
        Metadata = metadata;
        Level = level;
    }

    public string Checkpoint { get; }
    public CheckpointMetadata Metadata { get; }

    /// <summary>The augmentation level s the low-resolution images are noised at.</summary>
    public double Level { get; }

    public int InputSize => Metadata.Config.Model.SuperResolution!.InputSize;

    /// <summary>Reads the run's latest checkpoint header and refuses a base model or a level outside [0, 1].</summary>
    public static UpscaleStage Open(string runFolder, string option, double? augLevel)
    {
        var run = new RunDirectory(runFolder);
        if (!run.Exists) throw new UsageException($"{option} {run.Root} does not exist; pass the --out folder of a ddpm train run of an upscaler.");
        string checkpoint = run.LatestCheckpoint()
            ?? throw new UsageException($"{option} {run.Root} has no checkpoint yet; train it first (ddpm train --config configs/demo-sr.json --out {run.Root}).");
        var metadata = CheckpointFile.ReadMetadata(checkpoint);
        CascadeCheck.ThrowIfNotUpscaler(metadata, $"{option} {run.Root}");
        double level = augLevel ?? metadata.Config.Model.SuperResolution!.AugmentationLevel;
        if (level is < 0 or > 1 || double.IsNaN(level))
            throw new UsageException($"--aug-level {level} is outside [0, 1]; it is the fraction of the augmentation schedule (0 = clean input, 0.2 the usual choice).");
        return new UpscaleStage(checkpoint, metadata, level);
    }

    /// <summary>Super-resolves <paramref name="low"/> (float [N, C, h, w] in [−1, 1]); returns [N, C, H, W] in [−1, 1] on the CPU.</summary>
    public Tensor Run(Tensor low, SamplerOptions options, Device device)
    {
        var loaded = LoadedModel.Load(Checkpoint, device, useEma: !options.RawWeights);
        using var model = loaded.Model;
        var diffusion = new GaussianDiffusion(Metadata.Config.Diffusion);
        int steps = options.Steps ?? Samplers.Find(options.Sampler).StepsFor(Metadata.Config.Diffusion.Timesteps);
        var sampler = new SamplerChoice(options.Sampler, options.Eta);
        sampler.Create(model.ClipDenoised);
        var timesteps = Timesteps.Create(TimestepSpacings.Parse(options.Spacing, options.Sampler), steps, diffusion.Schedule);
        var source = new LowResolutionSource(low, Level, options.Seed);
        var request = new GenerationRequest(source.Count, sampler, timesteps, options.Seed, options.Batch, source, options.Guidance);
        Tensor images = null!;
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask($"upscale {InputSize}→{Metadata.ImageSize}, {options.Sampler} {steps} steps, s = {Level}", maxValue: source.Count);
            images = ImageGenerator.Generate(model, diffusion, request, device, (done, _) => task.Value = done);
        });
        return images;
    }
}

/// <summary>The sampler options both stages of a cascade share.</summary>
internal sealed record SamplerOptions(string Sampler, int? Steps, string Spacing, double Eta, long Seed, int Batch, double Guidance, bool RawWeights);
