using SharpDiffusion.Config;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.DenoisingDiffusionPytorch;

/// <summary>
/// <c>ddpm import --format denoising-diffusion-pytorch</c>: turns a Trainer checkpoint (model-N.pt) into a run folder with
/// <c>model.layout: reference</c> — config.json, checkpoints/step-N.ckpt (trained and EMA weights, no optimizer state)
/// and the latest pointer — so sample, eval and report work on it. The architecture comes from the Unet's weights
/// (<see cref="UnetShape"/>), schedule and objective from GaussianDiffusion's buffers (<see cref="DiffusionBuffers"/>),
/// Adam's lr and betas from <c>opt</c>; only the image size must be given.
/// </summary>
public static class TrainerCheckpointImport
{
    /// <param name="ImageSize">The GaussianDiffusion's image_size (not stored in a checkpoint).</param>
    /// <param name="Objective">Only needed when the buffers do not tell it (no loss_weight).</param>
    /// <param name="DataPath">The training images, written as data.path for eval (optional).</param>
    /// <param name="SamplingTimesteps">GaussianDiffusion's sampling_timesteps (not stored in a checkpoint); null: the library's
    /// default, T, which samples ancestrally over all T steps. Below T the library samples with its DDIM (η 0, ddp spacing).</param>
    public sealed record Options(int ImageSize, Objective? Objective = null, string? DataPath = null, int? SamplingTimesteps = null);

    /// <param name="Inferred">How each inferred setting was found, one line each.</param>
    public sealed record Result(string RunFolder, string Checkpoint, int Step, string? Version, RunConfig Config, IReadOnlyList<string> Inferred);

    public static Result Import(string checkpointPath, string outFolder, Options options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var run = new RunDirectory(outFolder);
        if (run.HasRunContent) throw new InteropException($"'{outFolder}' already holds a run; choose a new --out folder (nothing was changed).");

        using var checkpoint = TrainerCheckpoint.Read(checkpointPath);
        var shape = UnetShape.Infer(checkpoint.EmaUnet, options.ImageSize, checkpointPath);
        var diffusion = DiffusionBuffers.Infer(checkpoint.Buffers, options.Objective, checkpointPath);
        string architecture = $"dim {shape.Model.Dim}, dim_mults [{string.Join(", ", shape.Model.DimMults)}], {shape.Model.ResBlocks} blocks per level, "
            + $"{shape.Model.Heads} heads × {shape.Model.HeadDim}, full attention at [{string.Join(", ", shape.Model.AttentionResolutions)}] px, {shape.Channels} channels";
        var inferred = new List<string> { $"model: reference layout, {architecture}: from the Unet's weight shapes" };
        inferred.AddRange(diffusion.Reasons);

        var training = new TrainingConfig { Steps = Math.Max(1, checkpoint.Step) };
        if (checkpoint.Adam is { } adam)
        {
            training = training with { Lr = adam.Lr, AdamBeta1 = adam.Beta1, AdamBeta2 = adam.Beta2, WeightDecay = adam.WeightDecay };
            inferred.Add($"training: lr {adam.Lr:G4}, Adam betas ({adam.Beta1}, {adam.Beta2}), weight decay {adam.WeightDecay}: from opt.param_groups[0]");
        }

        int T = diffusion.Diffusion.Timesteps;
        int samplingSteps = options.SamplingTimesteps ?? T;
        if (samplingSteps < 1 || samplingSteps > T)
            throw new InteropException($"--sampling-timesteps {samplingSteps} is outside 1 … {T} (the checkpoint's timesteps); pass the sampling_timesteps the GaussianDiffusion was built with, or leave it out for its default, {T}.");
        var sampling = samplingSteps == T
            ? new SamplingConfig { Sampler = "ddpm", Spacing = "auto" }
            : new SamplingConfig { Sampler = "ddim", Steps = samplingSteps, Spacing = TimestepSpacings.NameOf(TimestepSpacing.Ddp) };
        inferred.Add(samplingSteps == T
            ? $"sampling: ddpm over all {T} steps, as the library's p_sample_loop (sampling_timesteps = T{(options.SamplingTimesteps is null ? ", its default; pass --sampling-timesteps if the model was built with another" : "")})"
            : $"sampling: ddim, {samplingSteps} steps, ddp spacing, η 0, x̂₀ clipped: the library's ddim_sample with sampling_timesteps = {samplingSteps}");

        var config = new RunConfig
        {
            Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(run.Root)),
            Data = new DataConfig { Source = DataSource.Folder, Path = options.DataPath, ImageSize = options.ImageSize, Channels = shape.Channels },
            Model = shape.Model,
            Diffusion = diffusion.Diffusion,
            Training = training,
            Sampling = sampling,
        };
        // The data folder is optional here (eval takes --data); every other value must be valid as for a trained run.
        var problems = ConfigValidator.Validate(config).Where(p => !p.StartsWith("'data.path'", StringComparison.Ordinal)).ToList();
        if (problems.Count > 0) throw new InteropException($"'{checkpointPath}' implies a config this library cannot run: {problems[0]}.");

        using var model = ModelFactory.Create(config, shape.Channels, options.ImageSize, CPU);
        using var ema = ModelFactory.Create(config, shape.Channels, options.ImageSize, CPU);
        string expected = $"a reference-layout U-Net with {architecture}";
        StateDictCopy.Into(model, checkpoint.Unet, $"'{checkpointPath}' (model.model.*)", expected);
        StateDictCopy.Into(ema, checkpoint.EmaUnet, $"'{checkpointPath}' (ema.ema_model.model.*)", expected);

        var metadata = new CheckpointMetadata { Step = checkpoint.Step, Config = config, Channels = shape.Channels, ImageSize = options.ImageSize };
        string path = run.CheckpointPath(checkpoint.Step);
        CheckpointFile.Save(path, metadata, new CheckpointFile.State(model, ema, Optimizer: null, Generator: null));
        run.WriteConfig(config);
        run.PublishCheckpoint(path, keepLast: 0);
        return new Result(run.Root, path, checkpoint.Step, checkpoint.Version, config, inferred);
    }
}
