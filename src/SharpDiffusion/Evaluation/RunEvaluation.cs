using System.Diagnostics;
using System.Globalization;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Monitoring;
using SharpDiffusion.Reporting.TensorBoard;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Evaluates checkpoints of a run under one <see cref="EvaluationProtocol"/>: real-set features once (cached), then for each
/// checkpoint samples with the run's own config (class-balanced for a class-conditional model), extracts their features,
/// computes the chosen metrics, writes the memorisation grid and logs the entry (evaluation_results.json, evaluation.csv,
/// TensorBoard). A step already evaluated with the same settings is skipped. With <see cref="EvaluationProtocol.Upscale"/>
/// the run is the base of a cascade: its samples are super-resolved by the upscaler, the real set is the same data source
/// loaded at the upscaler's output size (through the normal resize pipeline), and a low | bicubic | super-resolved grid is
/// written beside the entry. An autoencoder run is evaluated on its
/// reconstructions instead (<see cref="ReconstructionEvaluation"/>).
/// </summary>
/// <param name="realData">A folder of real images to compare with instead of the run's own data (null: the run's data).</param>
/// <param name="datasetCacheDir">Where decoded datasets are cached (as for training).</param>
/// <param name="featureCacheDir">Where real-set features are cached.</param>
public sealed class RunEvaluation(RunDirectory run, EvaluationProtocol protocol, IEvaluationProgress progress, string? realData, string datasetCacheDir, string featureCacheDir)
{
    private const int GridPairs = 8;
    private const int ComparisonRows = 8;

    /// <summary>Refuses a protocol the run cannot be evaluated with, before anything expensive is loaded.</summary>
    public static void ThrowIfUnsuitable(EvaluationProtocol protocol, CheckpointMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(metadata);
        var formulation = Formulations.For(metadata.Config.Diffusion);
        try { NoiseLevels.Create(TimestepSpacings.Parse(protocol.Spacing, protocol.Sampler, formulation), protocol.Steps, formulation); }
        catch (ArgumentException e) { throw new EvaluationException($"--steps {protocol.Steps}, --spacing {protocol.Spacing}: {e.Message.Split(" (Parameter")[0].TrimEnd('.')}."); }
        if (protocol.Guide?.Mismatch(metadata) is { } guideMismatch) throw new EvaluationException(guideMismatch + ".");
        if (protocol.Guide is not null && protocol.Guidance != 0)
            throw new EvaluationException("--guidance and --autoguidance are two kinds of guidance; use one of them.");
        if (protocol.Guidance != 0 && !metadata.Config.Model.ClassConditional)
            throw new EvaluationException("--guidance needs a class-conditional run; this one was trained without classes.");
        Samplers.Find(protocol.Sampler);
        if (protocol.Reference is not null && metadata.Family == ModelFamily.Autoencoder)
            throw new EvaluationException("--reference compares generated samples with held-out images, but an autoencoder run is measured on its reconstructions of the real set; leave --reference out.");
        if (protocol.Reference is not null) EvaluationReference.ImageSource(protocol.Reference, metadata.Config.Data); // refuses a bad reference before anything is loaded
        try { TimestepSpacings.Parse(protocol.Spacing, protocol.Sampler); }
        catch (ArgumentException e) { throw new EvaluationException(e.Message + "."); }
        RealStatistics.Parse(protocol.RealStats);
        if (protocol.RealStatsName is not null && metadata.Family == ModelFamily.Autoencoder)
            throw new EvaluationException($"--real-stats {protocol.RealStats} measures generated samples; an autoencoder run is measured on its reconstructions, so leave --real-stats at images.");
        if (protocol.Reference is not null && protocol.RealStatsName is not null)
            throw new EvaluationException($"--real-stats {protocol.RealStats} chooses the training images' statistics, but --reference replaces them with held-out images; give one of the two.");
        if (protocol.Upscale is not null) OpenUpscaler(protocol, metadata);
    }

    /// <summary>The cascade's upscaler, refused (<see cref="CascadeCheck"/>) when it does not chain with the base checkpoint.</summary>
    private static CascadeUpscaler OpenUpscaler(EvaluationProtocol protocol, CheckpointMetadata baseMetadata)
    {
        var stage = protocol.Upscale!;
        var upscaler = CascadeUpscaler.Open(stage.Run, "--upscale", stage.AugmentationLevel, stage.Step);
        CascadeCheck.ThrowIfIncompatible(baseMetadata, "--run", upscaler.Metadata, $"--upscale {stage.Run}");
        if (stage.Steps > upscaler.Metadata.Config.Diffusion.Timesteps)
            throw new EvaluationException($"--upscale-steps {stage.Steps} is more than the upscaler's {upscaler.Metadata.Config.Diffusion.Timesteps} diffusion timesteps.");
        Samplers.Find(stage.Sampler);
        return upscaler;
    }

    /// <param name="extractorIdentity">The extractor and its weights, as recorded with each entry (<see cref="ReferenceFeatureCache.ExtractorIdentity"/>).</param>
    /// <returns>The entries of these checkpoints under this protocol: evaluated now, or found in the log (skipped).</returns>
    public IReadOnlyList<EvaluationEntry> Execute(IReadOnlyList<(int Step, string Path)> checkpoints, IFeatureExtractor extractor, string extractorIdentity, Device device,
        CancellationToken stop = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(extractor);
        var metadata = CheckpointFile.ReadMetadata(checkpoints[^1].Path);
        ThrowIfUnsuitable(protocol, metadata);
        var sampler = new SamplerChoice(protocol.Sampler);
        var upscaler = protocol.Upscale is null ? null : OpenUpscaler(protocol, metadata);
        // The guide is loaded once, with its EMA weights, and steers every checkpoint of the run.
        using var guide = protocol.Guide is null ? null : LoadedModel.Load(protocol.Guide.Checkpoint, device);
        var autoGuide = guide is null ? null : new AutoGuidance(guide.Model, Formulations.For(guide.Metadata.Config.Diffusion), protocol.Guide!.Weight);

        using var real = LoadRealSet(metadata.Config, upscaler?.OutputSize);
        using var realFeatures = RealFeatures(real, metadata.Config.Data, extractor, extractorIdentity);
        using var reference = protocol.Reference is null ? null : LoadReference(protocol.Reference, RealDataConfig(metadata.Config, upscaler?.OutputSize), metadata.Config.Seed, extractor, extractorIdentity);
        using var frechetReal = protocol.RealStats == RealStatistics.DdpTrainer ? TrainerLoaderFeatures(real, realFeatures, metadata.Config, extractor, extractorIdentity) : null;
        var log = new EvaluationLog(run.Root);
        using var tensorBoard = TensorBoardWriter.Create(Path.Combine(run.Root, TensorBoardWriter.FolderName));
        using var monitor = ResourceMonitor.StartForRun(run.Root, metadata.Config.Training.MonitorIntervalS);
        var entries = new List<EvaluationEntry>();
        bool autoencoder = metadata.Family == ModelFamily.Autoencoder;
        foreach (var (step, path) in checkpoints)
        {
            if (stop.IsCancellationRequested) break;
            var key = autoencoder
                ? $"{ReconstructionEvaluation.SamplerName};n={protocol.N};metrics={string.Join(',', protocol.Metrics)};extractor={extractorIdentity};data={real.ContentHash};weights={(protocol.RawWeights ? "raw" : "ema")}"
                : protocol.SettingsKey(extractorIdentity, real.ContentHash, reference?.Hash)
                  + (protocol.Metrics.Contains(EvaluationMetricNames.InceptionScore) ? $";is_logits={extractor.LogitsKind}" : "");
            if (log.HasEntry(step, key))
            {
                entries.Add(log.Read().Last(e => e.Step == step && e.SettingsKey == key));
                progress.Info($"step {step}: already evaluated with these settings, skipped");
                continue;
            }

            var entry = autoencoder
                ? EvaluateAutoencoder(step, path, extractor, extractorIdentity, key, real, realFeatures, device)
                : EvaluateCheckpoint(step, path, sampler, autoGuide, upscaler, extractor, extractorIdentity, key, real, realFeatures, reference, frechetReal, device);
            log.Add(entry);
            if (!protocol.RawWeights) // the eval/* curves are the EMA weights'
                foreach (var (tag, value) in EvaluationTags.Scalars(entry)) tensorBoard.AddScalar(tag, entry.Step, value);
            entries.Add(entry);
            progress.Evaluated(entry);
        }

        return entries;
    }

    private EvaluationEntry EvaluateCheckpoint(int step, string path, SamplerChoice sampler, AutoGuidance? autoGuide, CascadeUpscaler? upscaler, IFeatureExtractor extractor, string identity, string key,
        ImageDataset real, Tensor realFeatures, ReferenceSet? reference, Tensor? frechetReal, Device device)
    {
        var watch = Stopwatch.StartNew();
        using var loaded = LoadedModel.Load(path, device, useEma: !protocol.RawWeights);
        var model = loaded.Model;
        var config = loaded.Metadata.Config;
        if (upscaler is not null) CascadeCheck.ThrowIfIncompatible(loaded.Metadata, $"--run checkpoint step {step}", upscaler.Metadata, $"--upscale {upscaler.Run}");
        int size = upscaler?.OutputSize ?? loaded.Metadata.ImageSize;
        if (size != real.ImageSize || loaded.Metadata.Channels != real.Channels)
            throw new EvaluationException($"checkpoint step {step} makes {size}×{size}×{loaded.Metadata.Channels} images but the real set is {real.ImageSize}×{real.ImageSize}×{real.Channels}; pass --data with the run's own images.");
        var formulation = Formulations.For(config.Diffusion);
        var levels = NoiseLevels.Create(TimestepSpacings.Parse(protocol.Spacing, protocol.Sampler, formulation), protocol.Steps, formulation);
        // A class-conditional model is scored on a class-balanced sample (image i has class i mod K), like its training set.
        var classes = model.Accepts.HasClasses ? new ClassLabelSource([.. Enumerable.Range(0, protocol.N).Select(i => (long)(i % model.Accepts.Classes))]) : null;
        var request = new GenerationRequest(protocol.N, sampler, levels, protocol.Seed, protocol.Batch, classes, protocol.Guidance, AutoGuide: autoGuide);
        var samplingWatch = Stopwatch.StartNew();
        var baseSamples = progress.Phase($"step {step}: {protocol.Sampler} {protocol.Steps} steps", protocol.N,
            p => ImageGenerator.Generate(model, formulation, request, device, (done, _) => p.Report(done), loaded.Space));
        string? comparison = null;
        using var samples = upscaler is null ? baseSamples : Upscale(step, upscaler, baseSamples, device, out comparison);
        double samplingSeconds = samplingWatch.Elapsed.TotalSeconds;
        using var generated = ImageCodec.ToUint8(samples);
        var (features, logits) = progress.Phase($"step {step}: {extractor.Name} features", protocol.N, p => FeatureExtraction.ExtractAll(extractor, generated, protocol.Batch, p));
        using (features)
        using (logits)
        {
            var values = CheckpointMetrics.Compute(new MetricInputs(extractor.Name, realFeatures, features, logits, real.Images, generated, extractor.LogitsKind, reference?.Features, reference?.Statistics, frechetReal), protocol.Metrics, (int)protocol.Seed);
            string? grid = null;
            if (values.FeatureMemorization is { } memorization)
            {
                grid = Path.Combine(run.Root, GridName("memorization", step));
                SaveClosestPairs(memorization, generated, real.Images, grid);
            }

            return values.Entry with
            {
                Step = step, N = protocol.N, RealCount = real.Count, Sampler = protocol.Sampler, Steps = protocol.Steps, Spacing = protocol.SpacingName,
                RealStats = protocol.RealStatsName, RealStatsCount = frechetReal is null ? null : (int)frechetReal.shape[0], Guidance = protocol.Guidance, Guide = protocol.Guide, Extractor = identity, Seed = protocol.Seed, Weights = protocol.RawWeights ? "raw" : "ema",
                Seconds = watch.Elapsed.TotalSeconds, SamplingSeconds = samplingSeconds, DatasetHash = real.ContentHash, SettingsKey = key, MemorizationGrid = grid is null ? null : Path.GetFileName(grid),
                Upscale = protocol.Upscale, UpscaleComparisonGrid = comparison, CreatedUtc = DateTimeOffset.UtcNow,
                Reference = reference?.Description, ReferenceHash = reference?.Hash, ReferenceCount = reference?.Count,
            };
        }
    }

    private EvaluationEntry EvaluateAutoencoder(int step, string path, IFeatureExtractor extractor, string identity, string key, ImageDataset real, Tensor realFeatures, Device device)
    {
        var watch = Stopwatch.StartNew();
        var entry = ReconstructionEvaluation.Evaluate(path, protocol, real, realFeatures, extractor, device, progress, step);
        return entry with
        {
            Step = step, RealCount = real.Count, Extractor = identity, Seed = protocol.Seed, Weights = protocol.RawWeights ? "raw" : "ema",
            Seconds = watch.Elapsed.TotalSeconds, DatasetHash = real.ContentHash, SettingsKey = key, CreatedUtc = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>
    /// The cascade's second stage: super-resolves the base samples (disposing them) and writes the first rows of
    /// low | bicubic | super-resolved beside the entry (<paramref name="comparison"/>: its file name).
    /// </summary>
    private Tensor Upscale(int step, CascadeUpscaler upscaler, Tensor low, Device device, out string comparison)
    {
        using (low)
        {
            var stage = protocol.Upscale!;
            var sampling = new UpscaleSampling(stage.Sampler, stage.Steps, "auto", 0, protocol.Seed, protocol.Batch, stage.Guidance, protocol.RawWeights);
            var high = progress.Phase($"step {step}: upscale {upscaler.InputSize}→{upscaler.OutputSize}, {stage.Sampler} {stage.Steps} steps, s = {stage.AugmentationLevel}", protocol.N,
                p => upscaler.Upscale(low, sampling, device, (done, _) => p.Report(done)));
            comparison = GridName("cascade", step);
            using var scope = NewDisposeScope();
            long rows = Math.Min(ComparisonRows, low.shape[0]);
            var grid = UpscaleComparison.Rows(low.narrow(0, 0, rows), high.narrow(0, 0, rows));
            ImageCodec.SaveGrid(ImageCodec.ToUnit(grid), Path.Combine(run.Root, comparison), UpscaleComparison.Columns(withReal: false), scale: ImageCodec.GridScale(upscaler.OutputSize));
            return high;
        }
    }

    /// <summary>"memorization-step-000500.png"; a cascade's grids carry the upscale stage's tag, so they never overwrite the base's.</summary>
    private string GridName(string kind, int step) =>
        string.Create(CultureInfo.InvariantCulture, $"{kind}-step-{step:D6}{(protocol.Upscale is { } up ? "-" + up.Tag : "")}.png");

    /// <summary>Rows of (generated | nearest real image), closest first.</summary>
    private static void SaveClosestPairs(MemorizationResult memorization, Tensor generated, Tensor real, string path)
    {
        using var scope = NewDisposeScope();
        var tiles = new List<Tensor>();
        foreach (var pair in memorization.Closest(GridPairs))
        {
            tiles.Add(generated[pair.GeneratedIndex]);
            tiles.Add(real[pair.TrainingIndex]);
        }

        ImageCodec.SaveGrid(stack(tiles), path, columns: 2);
    }

    /// <param name="imageSize">The side to load the real images at (a cascade's output size); null: the run's data.image_size.</param>
    private ImageDataset LoadRealSet(RunConfig config, int? imageSize)
    {
        var data = RealDataConfig(config, imageSize);
        DataLoadReport report = null!;
        var set = progress.CountedPhase("loading real images", p => DatasetLoader.Load(data, datasetCacheDir, out report, config.Seed, p));
        progress.Info($"real set: {report.Description}");
        if (set.Count < 2)
        {
            set.Dispose();
            throw new EvaluationException($"The real set has {set.Count} image; evaluation needs at least 2 real images.");
        }

        return set;
    }

    /// <summary>
    /// The real side of <see cref="RealStatistics.DdpTrainer"/>: the features of the reference trainer's loader draws, gathered
    /// from the clean set's features and those of the mirrored set (extracted once, cached like the clean ones).
    /// </summary>
    private Tensor TrainerLoaderFeatures(ImageDataset real, Tensor clean, RunConfig config, IFeatureExtractor extractor, string identity)
    {
        var cache = new ReferenceFeatureCache(featureCacheDir);
        var key = ReferenceFeatureCache.Key(real.ContentHash, identity, config.Data.Resize + "+hflip");
        using var mirrored = cache.GetOrCompute(key, extractor.Name, () =>
        {
            using var flipped = real.Images.flip(3);
            var (f, logits) = progress.Phase($"real set mirrored: {extractor.Name} features", real.Count, p => FeatureExtraction.ExtractAll(extractor, flipped, protocol.Batch, p));
            logits?.Dispose();
            return f;
        }, out var fromCache);
        var draws = RealStatistics.TrainerLoaderDraws(real.Count, protocol.N, config.Training.BatchSize, protocol.Seed);
        progress.Info($"real statistics {RealStatistics.DdpTrainer}: {draws.Count} loader draws in batches of {config.Training.BatchSize}, {draws.Count(d => d.Flipped)} mirrored"
            + $" (mirrored features {(fromCache ? "from cache " : "cached as ")}{cache.FeaturesPath(key)})");
        return RealStatistics.Gather(clean, mirrored, draws);
    }

    private DataConfig RealDataConfig(RunConfig config, int? imageSize)
    {
        var data = imageSize is int side ? config.Data with { ImageSize = side } : config.Data;
        if (realData is string folder)
            data = data with { Path = folder, Source = data.Source == DataSource.Synthetic ? DataSource.Folder : data.Source };
        return data;
    }

    /// <summary>What FD, KID and precision/recall compare with under --reference: its features (images: extracted and cached like the real set's) or statistics.</summary>
    private sealed record ReferenceSet(string Description, string Hash, int Count, Tensor? Features, FeatureStatistics? Statistics) : IDisposable
    {
        public void Dispose() => Features?.Dispose();
    }

    private ReferenceSet LoadReference(string spec, DataConfig realData, long seed, IFeatureExtractor extractor, string identity)
    {
        if (EvaluationReference.ImageSource(spec, realData) is { } data)
        {
            DataLoadReport report = null!;
            using var set = progress.CountedPhase("loading reference images", p => DatasetLoader.Load(data, datasetCacheDir, out report, seed, p));
            progress.Info($"reference: {report.Description}");
            if (set.Count < 2)
                throw new EvaluationException($"--reference {spec} has {set.Count} image; FD, KID and precision/recall need at least 2 reference images.");
            var features = RealFeatures(set, data, extractor, identity, "reference");
            // The source and count only: the loader's description also says "from cache", which would split one reference's curve in two.
            var source = report.Description.Split(": ", 2)[0];
            return new ReferenceSet(string.Create(CultureInfo.InvariantCulture, $"{source}: {set.Count} images"), set.ContentHash, set.Count, features, null);
        }

        var (fileFeatures, statistics) = EvaluationReference.LoadFile(spec, extractor);
        var count = (int)(fileFeatures?.shape[0] ?? statistics!.Count);
        var kind = fileFeatures is null ? "statistics" : "features";
        progress.Info($"reference: {extractor.Name} {kind} of {count} images from {spec}");
        return new ReferenceSet($"{kind} file '{spec}': {count} images", EvaluationReference.FileHash(spec), count, fileFeatures, statistics);
    }

    private Tensor RealFeatures(ImageDataset real, DataConfig data, IFeatureExtractor extractor, string identity, string what = "real")
    {
        var cache = new ReferenceFeatureCache(featureCacheDir);
        var key = ReferenceFeatureCache.Key(real.ContentHash, identity, data.Resize.ToString());
        var features = cache.GetOrCompute(key, extractor.Name, () =>
        {
            var (f, logits) = progress.Phase($"{what} set: {extractor.Name} features", real.Count, p => FeatureExtraction.ExtractAll(extractor, real.Images, protocol.Batch, p));
            logits?.Dispose();
            return f;
        }, out var fromCache);
        progress.Info($"{what} features: {real.Count} × {features.shape[1]} ({(fromCache ? "from cache " : "cached as ")}{cache.FeaturesPath(key)})");
        return features;
    }
}
