using System.Globalization;
using System.Text.RegularExpressions;
using SharpDiffusion.Config;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.DenoisingDiffusionPytorch;

/// <summary>
/// <c>ddpm import --format denoising-diffusion-pytorch</c>: turns a Trainer checkpoint (model-N.pt), or a whole results folder
/// of them, into a run folder with <c>model.layout: reference</c> — config.json, checkpoints/step-N.ckpt (trained and EMA
/// weights, Adam's moments and step) and the latest pointer — so sample, eval, report and <c>train --resume</c> work on it.
/// The architecture comes from the Unet's weights (<see cref="UnetShape"/>), schedule and objective from GaussianDiffusion's
/// buffers (<see cref="DiffusionBuffers"/>), Adam's lr, betas and moments from <c>opt</c>; only the image size must be given.
/// Everything is read and checked before anything is written.
/// </summary>
public static partial class TrainerCheckpointImport
{
    /// <param name="ImageSize">The GaussianDiffusion's image_size (not stored in a checkpoint).</param>
    /// <param name="Objective">Only needed when the buffers do not tell it (no loss_weight).</param>
    /// <param name="DataPath">The training images, written as data.path for eval (optional).</param>
    /// <param name="SamplingTimesteps">GaussianDiffusion's sampling_timesteps (not stored in a checkpoint); null: the library's
    /// default, T, which samples ancestrally over all T steps. Below T the library samples with its DDIM (η 0, ddp spacing).</param>
    public sealed record Options(int ImageSize, Objective? Objective = null, string? DataPath = null, int? SamplingTimesteps = null);

    /// <param name="Checkpoint">The newest checkpoint written (the run's latest).</param>
    /// <param name="Inferred">How each inferred setting was found, one line each.</param>
    public sealed record Result(string RunFolder, string Checkpoint, int Step, string? Version, RunConfig Config, IReadOnlyList<string> Inferred)
    {
        /// <summary>Every checkpoint written, oldest first (one per model-N.pt).</summary>
        public IReadOnlyList<string> Checkpoints { get; init; } = [Checkpoint];
    }

    /// <param name="source">A model-N.pt, or a results folder: then every model-N.pt in it becomes a checkpoint of one run at its step.</param>
    public static Result Import(string source, string outFolder, Options options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var run = new RunDirectory(outFolder);
        if (run.HasRunContent) throw new InteropException($"'{outFolder}' already holds a run; choose a new --out folder (nothing was changed).");

        var files = Directory.Exists(source) ? Milestones(source) : [source];
        var plans = files.Select(file => Inspect(file, run, options)).ToList();
        var first = plans[0];
        foreach (var plan in plans.Skip(1))
        {
            if (plan.Architecture != first.Architecture || ConfigJson.Serialize(plan.Config with { Training = first.Config.Training }) != ConfigJson.Serialize(first.Config))
                throw new InteropException($"'{plan.Path}' is not a checkpoint of the same model as '{first.Path}' ({plan.Architecture}, T = {plan.Config.Diffusion.Timesteps} against {first.Architecture}, T = {first.Config.Diffusion.Timesteps}); a results folder must hold the milestones of one run (nothing was written).");
        }
        var repeated = plans.GroupBy(p => p.Step).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
            throw new InteropException($"'{source}': {string.Join(" and ", repeated.Select(p => Path.GetFileName(p.Path)))} are both at step {repeated.Key}; a results folder must hold the milestones of one run (nothing was written).");

        var last = plans.MaxBy(p => p.Step)!;
        var config = last.Config; // training.steps and Adam's settings of the newest milestone
        var written = new List<string>();
        foreach (var plan in plans.OrderBy(p => p.Step))
        {
            Write(plan, config);
            written.Add(plan.Target);
        }
        run.WriteConfig(config);
        run.PublishCheckpoint(last.Target, keepLast: 0);
        var inferred = last.Inferred.ToList();
        if (plans.Count > 1) inferred.Insert(0, $"milestones: {plans.Count} checkpoints at steps {string.Join(", ", plans.Select(p => p.Step).Order())} from {string.Join(", ", files.Select(Path.GetFileName))}");
        return new Result(run.Root, last.Target, last.Step, last.Version, config, inferred) { Checkpoints = written };
    }

    /// <summary>What one model-N.pt becomes, found by reading it; nothing written yet.</summary>
    private sealed record Plan(string Path, string Target, int Step, string? Version, RunConfig Config, string Architecture, int Channels, IReadOnlyList<string> Inferred);

    /// <summary>model-N.pt files of a results folder (Trainer.save's names), by milestone N.</summary>
    private static List<string> Milestones(string folder)
    {
        var files = Directory.GetFiles(folder, "model-*.pt")
            .Select(f => (File: f, Match: MilestoneName().Match(Path.GetFileName(f))))
            .Where(f => f.Match.Success)
            .OrderBy(f => long.Parse(f.Match.Groups[1].Value, CultureInfo.InvariantCulture))
            .Select(f => f.File).ToList();
        return files.Count > 0 ? files
            : throw new InteropException($"'{folder}' holds no model-N.pt; pass a results folder of denoising-diffusion-pytorch's Trainer or one of its checkpoint files.");
    }

    private static Plan Inspect(string checkpointPath, RunDirectory run, Options options)
    {
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
            inferred.Add(string.Create(CultureInfo.InvariantCulture, $"training: lr {adam.Lr:G4}, Adam betas ({adam.Beta1}, {adam.Beta2}), weight decay {adam.WeightDecay}: from opt.param_groups[0]"));
        }
        inferred.Add(checkpoint.AdamState.Count > 0
            ? $"optimizer: Adam's moments and step ({checkpoint.AdamState.Values.First().Step}) for {checkpoint.AdamState.Count} of {checkpoint.Unet.Count} weights: from opt.state, so train --resume continues them"
            : "optimizer: the file has no Adam state; train --resume starts Adam's moments afresh");
        if (checkpoint.EmaStep is long emaStep && emaStep != checkpoint.Step)
            throw new InteropException($"'{checkpointPath}': its EMA counter is at step {emaStep} but the Trainer at {checkpoint.Step}; only checkpoints of the Trainer's own EMA (one update per step) can be continued.");
        inferred.Add($"EMA: ema_model weights at step {checkpoint.Step}; decay 0.995, every 10 steps after step 100, warm-up (1 + e)^(−2/3) as ema-pytorch's defaults (not stored in a checkpoint)");

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

        // Load the weights once here too, so that a file whose tensors do not fit is refused before anything is written.
        using var model = ModelFactory.Create(config, shape.Channels, options.ImageSize, CPU);
        StateDictCopy.Into(model, checkpoint.Unet, $"'{checkpointPath}' (model.model.*)", $"a reference-layout U-Net with {architecture}");
        StateDictCopy.Into(model, checkpoint.EmaUnet, $"'{checkpointPath}' (ema.ema_model.model.*)", $"a reference-layout U-Net with {architecture}");
        return new Plan(checkpointPath, run.CheckpointPath(checkpoint.Step), checkpoint.Step, checkpoint.Version, config, architecture, shape.Channels, inferred);
    }

    /// <summary>Writes one checkpoint: weights, EMA weights and, when the file has them, Adam's moments in the optimizer <paramref name="config"/> trains with.</summary>
    private static void Write(Plan plan, RunConfig config)
    {
        using var checkpoint = TrainerCheckpoint.Read(plan.Path);
        int size = config.Data.ImageSize;
        using var model = ModelFactory.Create(config, plan.Channels, size, CPU);
        using var ema = ModelFactory.Create(config, plan.Channels, size, CPU);
        string expected = $"a reference-layout U-Net with {plan.Architecture}";
        StateDictCopy.Into(model, checkpoint.Unet, $"'{plan.Path}' (model.model.*)", expected);
        StateDictCopy.Into(ema, checkpoint.EmaUnet, $"'{plan.Path}' (ema.ema_model.model.*)", expected);

        // The optimizer a resumed run builds (ParameterUpdates), so that the stored state is in the layout it loads.
        using var update = checkpoint.AdamState.Count > 0 ? ParameterUpdates.Create(config, model, ema, config.Training.EmaStart) : null;
        if (update is not null) FillMoments(update.Checkpointed, model, checkpoint.AdamState, plan.Path);
        var metadata = new CheckpointMetadata { Step = plan.Step, Config = config, Channels = plan.Channels, ImageSize = size, Software = Runtime.SoftwareVersions.Current };
        CheckpointFile.Save(plan.Target, metadata, new CheckpointFile.State(model, ema, update?.Checkpointed, Generator: null));
    }

    /// <summary>Adam's state i belongs to model.parameters()[i] (one flat group: <see cref="Training.Fused.FlatParameters"/> keeps that order).</summary>
    private static void FillMoments(optim.Optimizer optimizer, UNet model, IReadOnlyDictionary<string, TrainerCheckpoint.AdamMoments> moments, string path)
    {
        var states = ((OptimizerHelper)optimizer).state_dict().State;
        var names = model.named_parameters().Select(p => p.name).ToList();
        if (states.Count != names.Count)
            throw new InteropException($"'{path}': this library's optimizer has {states.Count} parameter states for {names.Count} weights; its Adam moments cannot be placed (import without them is not offered).");
        using var noGrad = no_grad();
        for (int i = 0; i < names.Count; i++)
        {
            if (states[i] is not Adam.State state)
                throw new InteropException($"'{path}': training.optimizer keeps no Adam state to carry torch.optim.Adam's moments into; import with the default fused-adam.");
            if (!moments.TryGetValue(names[i], out var m))
                throw new InteropException($"'{path}': its Adam state has no entry for {names[i]}; it is not torch.optim.Adam's full state for this Unet.");
            state.exp_avg.copy_(m.ExpAvg);
            state.exp_avg_sq.copy_(m.ExpAvgSq);
            state.step = m.Step;
        }
    }

    [GeneratedRegex(@"^model-(\d+)\.pt$")]
    private static partial Regex MilestoneName();
}
