using System.Diagnostics;
using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// The training loop: Adam on the diffusion loss, EMA, periodic log rows, checkpoints and EMA sample grids.
/// Everything random comes from one generator seeded by the config and saved in every checkpoint, so
/// "N steps, stop, resume, M steps" equals "N+M steps" exactly.
/// </summary>
public sealed class Trainer
{
    private readonly RunConfig _config;
    private readonly ImageDataset _data;
    private readonly RunDirectory _run;
    private readonly Device _device;

    /// <param name="config">The run's config; model.num_classes is filled from the data when class-conditional (<see cref="ClassCount"/>).</param>
    public Trainer(RunConfig config, ImageDataset data, RunDirectory run, Device device)
    {
        ArgumentNullException.ThrowIfNull(data);
        _config = ClassCount.FromData(config, data.ClassNames);
        _data = data;
        _run = run;
        _device = device;
    }

    /// <summary>On resume, the checkpoint to continue from instead of the run's latest (it may belong to another run).</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>The config as trained (resolved), also written to the run folder.</summary>
    public RunConfig Config => _config;

    public event Action<TrainingProgress>? Progress;
    public event Action<string>? Message;

    /// <summary>Raised once before the first step with the step training starts from (0, or the resumed checkpoint's step).</summary>
    public event Action<int>? Started;

    /// <summary>Raised after each row is appended to log.csv (observers such as TensorBoard mirror it).</summary>
    public event Action<TrainingLogRow>? LogRowWritten;

    /// <summary>Raised after an EMA sample grid is written, with its step and path.</summary>
    public event Action<int, string>? SampleGridWritten;

    /// <summary>Trains until <c>training.steps</c> or until <paramref name="cancel"/> fires; either way the last step is checkpointed.</summary>
    public TrainingResult Run(bool resume, CancellationToken cancel = default)
    {
        var t = _config.Training;
        using var model = ModelFactory.Create(_config, _data.Channels, _data.ImageSize, _device);
        using var ema = ModelFactory.CreateEma(model, _config, _device);
        using var update = ParameterUpdates.Create(_config, model, ema, t.EmaStart);
        using var generator = new Generator((ulong)_config.Seed, _device);
        var diffusion = new GaussianDiffusion(_config.Diffusion);
        var log = new TrainingLog(_run.LogPath);
        var state = new CheckpointFile.State(model, ema, update.Checkpointed, generator);
        var trainingStep = new TrainingStep(_config, update, diffusion);

        int startStep = 0;
        double previousSeconds = 0;
        if (resume && ResumePoint() is string latest)
        {
            var meta = ThrowIfCannotResume(latest);
            CheckpointFile.Load(latest, state);
            update.AfterLoad();
            startStep = meta.Step;
            previousSeconds = meta.ElapsedSeconds;
            Message?.Invoke($"resumed from {Path.GetFileName(latest)} at step {startStep}");
        }
        // Rows logged after the last checkpoint (or before the first one) are replayed by this run: drop them.
        log.TruncateAfter(startStep);
        _run.WriteConfig(_config);
        if (startStep >= t.Steps) return new TrainingResult(startStep, startStep, false, _run.LatestCheckpoint(), null);

        Started?.Invoke(startStep);
        using var batches = new BatchSampler(_data, _device, _config.Data.Hflip);
        var clock = Stopwatch.StartNew();
        var intervalClock = Stopwatch.StartNew();
        // Loss sums, skip counts and the divergence check stay on the device; they are read at log rows and checkpoints only.
        using var counters = new StepCounters(_device, t.MaxBadSteps);
        int intervalSteps = 0, skippedSteps = 0, lastRead = startStep;
        double lossSum = 0;
        double? lastLoss = null;
        string? lastCheckpoint = null;
        int step = startStep;
        model.train();
        update.ForwardModel.train();

        while (step < t.Steps)
        {
            step++;
            using (var scope = NewDisposeScope())
            {
                var (images, labels) = batches.Next(t.BatchSize, generator);
                CudaDropoutSeed.BeforeStep(_device, _config.Seed, step);
                var (x0, condition) = model.Accepts.FromData(images, labels, generator);
                var (loss, applied) = trainingStep.Run(step, x0, condition, generator);
                counters.Record(step, loss, applied);
            }

            bool last = step == t.Steps;
            bool logRow = step % t.LogEvery == 0 || last;
            bool checkpoint = step % t.CheckpointEvery == 0 || last;
            if (logRow) ReadCounters();
            double elapsed = previousSeconds + clock.Elapsed.TotalSeconds;
            if (logRow && intervalSteps > 0) lastLoss = AppendLogRow(elapsed);
            Progress?.Invoke(new TrainingProgress(step, t.Steps, lastLoss, ImagesPerSecond(step - startStep, clock), TimeSpan.FromSeconds(elapsed)));
            bool stopping = cancel.IsCancellationRequested;
            if ((checkpoint || stopping) && lastRead != step) ReadCounters();
            if (stopping && intervalSteps > 0) lastLoss = AppendLogRow(elapsed); // the log ends where the checkpoint does

            if (checkpoint || stopping)
            {
                lastCheckpoint = SaveCheckpoint(step, elapsed, state, update);
            }
            if ((t.SampleEvery > 0 && step % t.SampleEvery == 0) || last)
            {
                WriteSampleGrid(ema, diffusion, step);
                model.train();
            }
            if (stopping)
            {
                Message?.Invoke($"interrupted: saved {Path.GetFileName(lastCheckpoint)}; continue with --resume");
                return new TrainingResult(startStep, step, true, lastCheckpoint, lastLoss);
            }
        }
        return new TrainingResult(startStep, step, false, lastCheckpoint, lastLoss);

        // The loop's only host sync: brings the device counters back, reports skipped steps and stops a diverged run before it
        // writes another checkpoint (every checkpoint so far holds the weights of the last applied step, which are finite).
        void ReadCounters()
        {
            var totals = counters.Read();
            lossSum += totals.LossSum;
            intervalSteps += totals.Applied;
            if (totals.Skipped > 0)
            {
                skippedSteps += totals.Skipped;
                Message?.Invoke($"steps {lastRead + 1}–{step}: {totals.Skipped} update(s) skipped for NaN/Inf gradients ({skippedSteps} so far)");
            }
            lastRead = step;
            if (totals.DivergedAt > 0)
                throw new TrainingDivergedException(
                    $"training diverged: {t.MaxBadSteps} consecutive steps up to step {totals.DivergedAt} had NaN/Inf gradients; the last good checkpoint is " +
                    $"{Path.GetFileName(lastCheckpoint ?? _run.LatestCheckpoint()) ?? "none"}; lower training.lr or check the data, then --resume.");
        }

        double AppendLogRow(double elapsed)
        {
            double loss = lossSum / intervalSteps;
            double imagesPerSecond = intervalSteps * t.BatchSize / intervalClock.Elapsed.TotalSeconds;
            var row = new TrainingLogRow(step, loss, LearningRateSchedule.At(step, t.Lr, t.WarmupSteps), imagesPerSecond, elapsed);
            log.Append(row);
            LogRowWritten?.Invoke(row);
            lossSum = 0;
            intervalSteps = 0;
            intervalClock.Restart();
            return loss;
        }
    }

    /// <summary>
    /// Refuses to resume from a checkpoint of another model shape or image size. Run does this too; callers that write to the
    /// run folder before Run (the resource monitor) call it first, so a refused resume leaves the folder as it was.
    /// </summary>
    public void ThrowIfCannotResume()
    {
        if (ResumePoint() is string latest) ThrowIfCannotResume(latest);
    }

    private string? ResumePoint() => ResumeFrom ?? _run.LatestCheckpoint();

    private CheckpointMetadata ThrowIfCannotResume(string latest)
    {
        var meta = CheckpointFile.ReadMetadata(latest);
        if (!SameModel(meta.Config.Model, _config.Model) || meta.Channels != _data.Channels || meta.ImageSize != _data.ImageSize)
            throw new CheckpointException($"the run in {_run.Root} was trained with another model shape or image size; resume it with its own config ({_run.ConfigPath}) or train into a new --out folder.");
        return meta;
    }

    private string SaveCheckpoint(int step, double elapsedSeconds, CheckpointFile.State state, IParameterUpdate update)
    {
        update.PrepareSave();
        string path = _run.CheckpointPath(step);
        var metadata = new CheckpointMetadata
        {
            Step = step,
            Config = _config,
            ClassNames = _data.ClassNames,
            DatasetHash = _data.ContentHash,
            Channels = _data.Channels,
            ImageSize = _data.ImageSize,
            Family = ModelFamily.Of(_config.Model),
            ElapsedSeconds = elapsedSeconds,
            Software = Runtime.SoftwareVersions.Current,
        };
        CheckpointFile.Save(path, metadata, state);
        _run.PublishCheckpoint(path, _config.Training.KeepLast);
        Message?.Invoke($"checkpoint {Path.GetFileName(path)}");
        return path;
    }

    private void WriteSampleGrid(UNet ema, GaussianDiffusion diffusion, int step)
    {
        // A super-resolution stage upscales the first training images and shows input, bicubic, output and the real image per row.
        if (ema.Accepts.LowResolution is { } augmentation)
        {
            WriteUpscaleGrid(ema, augmentation, diffusion, step);
            return;
        }
        // A class-conditional model shows one class per grid row (guided), so its grid says whether it follows the label.
        int count = _config.Training.SampleCount;
        var classes = ema.Accepts.HasClasses ? new ClassLabelSource(ClassRows.Labels(count, ema.Accepts.Classes)) : null;
        using var images = ImageGenerator.Generate(ema, diffusion, GridRequest(count, classes), _device);
        using var unit = images.add(1).div(2);
        SaveGrid(unit, step, columns: null);
    }

    private void WriteUpscaleGrid(UNet ema, NoiseConditioningAugmentation augmentation, GaussianDiffusion diffusion, int step)
    {
        int count = Math.Min(_config.Training.SampleCount, _data.Count);
        using var scope = NewDisposeScope();
        var real = _data.Images.narrow(0, 0, count).to(ScalarType.Float32).div(127.5).sub(1.0);
        var low = augmentation.Downscale(real);
        var source = new LowResolutionSource(low, augmentation.Config.AugmentationLevel, _config.Seed);
        var images = ImageGenerator.Generate(ema, diffusion, GridRequest(count, source), _device);
        var unit = UpscaleComparison.Rows(low, images, real).add(1).div(2).clamp(0, 1);
        SaveGrid(unit, step, UpscaleComparison.Columns(withReal: true));
    }

    private GenerationRequest GridRequest(int count, IConditioningSource? conditions)
    {
        var t = _config.Training;
        return new GenerationRequest(
            count, new SamplerChoice("ddim"), Timesteps.Create(TimestepSpacing.Leading, t.SampleSteps, _config.Diffusion.Timesteps), _config.Seed,
            BatchSize: count, Conditions: conditions, Guidance: conditions is null ? 0 : t.SampleGuidance);
    }

    private void SaveGrid(Tensor unit, int step, int? columns)
    {
        string path = _run.SampleGridPath(step);
        Directory.CreateDirectory(_run.SamplesDir);
        ImageCodec.SaveGrid(unit, path, columns, scale: ImageCodec.GridScale((int)unit.shape[2]));
        SampleGridWritten?.Invoke(step, path);
        Message?.Invoke($"samples {Path.GetFileName(path)}");
    }

    /// <summary>Structural equality (records compare lists by reference).</summary>
    private static bool SameModel(ModelConfig a, ModelConfig b) =>
        System.Text.Json.JsonSerializer.Serialize(a, ConfigJson.Options) == System.Text.Json.JsonSerializer.Serialize(b, ConfigJson.Options);

    private double ImagesPerSecond(int steps, Stopwatch clock) =>
        steps * _config.Training.BatchSize / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
}
