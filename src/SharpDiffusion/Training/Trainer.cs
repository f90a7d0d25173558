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
/// The training loop of every model family: what a step optimises is the family's <see cref="ITrainingObjective"/>; the loop
/// draws the batches, counts losses and skipped steps, and performs the <see cref="PeriodicActions"/> (log rows, progress,
/// checkpoints, EMA sample grids) in one order.
/// Everything random comes from one generator seeded by the config and saved in every checkpoint, so
/// "N steps, stop, resume, M steps" equals "N+M steps" exactly.
/// </summary>
public sealed class Trainer
{
    private RunConfig _config;
    private readonly ImageDataset _data;
    private readonly RunDirectory _run;
    private readonly Device _device;

    /// <param name="config">The run's config; model.num_classes is filled from the data when class-conditional (<see cref="ClassCount"/>),
    /// and a latent run's model.latent is resolved against its autoencoder (<see cref="Latent.LatentSetup"/>; the scale factor when training starts).</param>
    public Trainer(RunConfig config, ImageDataset data, RunDirectory run, Device device)
    {
        ArgumentNullException.ThrowIfNull(data);
        _config = Diffusion.Formulations.Formulations.Resolve(Latent.LatentSetup.Resolve(ClassCount.FromData(config, data.ClassNames), data.Channels, data.ImageSize));
        _data = data;
        _run = run;
        _device = device;
    }

    /// <summary>On resume, the checkpoint to continue from instead of the run's latest (it may belong to another run).</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>A latent run's cache of encoded datasets (null: encode at every start).</summary>
    public string? LatentCacheDir { get; init; }

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
        // A latent run trains on its encoded data; the scale factor measured there becomes part of the config it saves.
        using var latent = ModelFamily.Of(_config.Model) == ModelFamily.Latent ? Latent.LatentTrainingSet.Prepare(_config, _data, _device, LatentCacheDir, Message) : null;
        if (latent is not null) _config = latent.Config;
        using var objective = TrainingObjectives.Create(_config, _data, _device, latent);
        using var generator = new Generator((ulong)_config.Seed, _device);
        var log = new TrainingLog(_run.LogPath);
        var state = objective.StateWith(generator);

        int startStep = 0;
        double previousSeconds = 0;
        if (resume && ResumePoint() is string latest)
        {
            var meta = ThrowIfCannotResume(latest);
            CheckpointFile.Load(latest, state);
            objective.AfterLoad();
            startStep = meta.Step;
            previousSeconds = meta.ElapsedSeconds;
            Message?.Invoke($"resumed from {Path.GetFileName(latest)} at step {startStep}");
        }
        // Rows logged after the last checkpoint (or before the first one) are replayed by this run: drop them.
        log.TruncateAfter(startStep);
        _run.WriteConfig(_config);
        if (startStep >= t.Steps) return new TrainingResult(startStep, startStep, false, _run.LatestCheckpoint(), null);

        Started?.Invoke(startStep);
        using var batches = latent is null ? new BatchSampler(_data, _device, _config.Data.Hflip) : new BatchSampler(latent.Examples, _device, _config.Data.Hflip);
        var clock = Stopwatch.StartNew();
        var intervalClock = Stopwatch.StartNew();
        // Loss sums, skip counts and the divergence check stay on the device; they are read at log rows and checkpoints only.
        using var counters = new StepCounters(_device, t.MaxBadSteps);
        int intervalSteps = 0, skippedSteps = 0, lastRead = startStep;
        double lossSum = 0;
        double? lastLoss = null;
        string? lastCheckpoint = null;
        int step = startStep;
        objective.Train();

        while (step < t.Steps)
        {
            step++;
            using (var scope = NewDisposeScope())
            {
                var (images, labels) = batches.Next(t.BatchSize, generator);
                var (loss, applied) = objective.Optimise(step, images, labels, generator);
                counters.Record(step, loss, applied);
            }

            // The periodic actions, in PeriodicActions' order. A stop asked for by now (a progress observer may ask) is honoured at this step.
            var due = PeriodicActions.After(step, t);
            if (due.LogRow) ReadCounters();
            double elapsed = previousSeconds + clock.Elapsed.TotalSeconds;
            if (due.LogRow && intervalSteps > 0) lastLoss = AppendLogRow(elapsed);
            Progress?.Invoke(new TrainingProgress(step, t.Steps, lastLoss, ImagesPerSecond(step - startStep, clock), TimeSpan.FromSeconds(elapsed)));
            if (cancel.IsCancellationRequested) due = due.Stopping();
            if (due.Checkpoint && lastRead != step) ReadCounters();
            if (due.Stop && intervalSteps > 0) lastLoss = AppendLogRow(elapsed); // the log ends where the checkpoint does
            if (due.Checkpoint) lastCheckpoint = SaveCheckpoint(step, elapsed, state, objective);
            if (due.SampleGrid)
            {
                using (var grid = objective.SampleGrid()) SaveGrid(grid, step);
                objective.Train();
            }
            if (due.Stop)
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
        if (meta.Config.Diffusion.Formulation != _config.Diffusion.Formulation)
            throw new CheckpointException($"the run in {_run.Root} was trained with diffusion.formulation {Name(meta.Config.Diffusion.Formulation)}, this config says {Name(_config.Diffusion.Formulation)}; resume it with its own config ({_run.ConfigPath}) or train into a new --out folder.");
        return meta;
    }

    private string SaveCheckpoint(int step, double elapsedSeconds, CheckpointFile.State state, ITrainingObjective objective)
    {
        objective.PrepareSave();
        string path = _run.CheckpointPath(step);
        var metadata = new CheckpointMetadata
        {
            FormatVersion = CheckpointFile.FormatVersionFor(_config),
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

    private void SaveGrid(SampleGridImages grid, int step)
    {
        string path = _run.SampleGridPath(step);
        Directory.CreateDirectory(_run.SamplesDir);
        ImageCodec.SaveGrid(grid.Images, path, grid.Columns, scale: ImageCodec.GridScale((int)grid.Images.shape[2]));
        SampleGridWritten?.Invoke(step, path);
        Message?.Invoke($"samples {Path.GetFileName(path)}");
    }

    /// <summary>Structural equality (records compare lists by reference).</summary>
    private static string Name(DiffusionFormulation formulation) => formulation.ToString().ToLowerInvariant();

    private static bool SameModel(ModelConfig a, ModelConfig b) =>
        System.Text.Json.JsonSerializer.Serialize(a, ConfigJson.Options) == System.Text.Json.JsonSerializer.Serialize(b, ConfigJson.Options);

    private double ImagesPerSecond(int steps, Stopwatch clock) =>
        steps * _config.Training.BatchSize / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
}
