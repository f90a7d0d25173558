using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Monitoring;
using SharpDiffusion.Reporting.TensorBoard;
using SharpDiffusion.Runtime;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// <c>ddpm eval</c>: samples each chosen checkpoint with the run's own config, extracts features of the samples and of
/// the run's training set, and records FID/FD, IS, KID, precision/recall and memorisation in the run folder.
/// </summary>
internal sealed class EvalCommand : Command
{
    private readonly Option<string?> _run = new("--run") { HelpName = "DIR", Description = "Run folder written by ddpm train." };
    private readonly Option<string> _checkpoints = new("--checkpoints") { HelpName = "latest|all|STEP,...", Description = "Which checkpoints; 'all' gives metric-versus-step curves.", DefaultValueFactory = _ => "latest" };
    private readonly Option<int> _n = new("--n") { HelpName = "N", Description = "Samples per checkpoint. Default 2500, the reference protocol.", DefaultValueFactory = _ => EvalSettings.ReferenceSamples };
    private readonly Option<string> _metrics = new("--metrics") { HelpName = "LIST", Description = "Any of fid,is,kid,pr,memorization.", DefaultValueFactory = _ => string.Join(',', EvaluationMetricNames.All) };
    private readonly Option<string> _sampler = new("--sampler") { HelpName = "NAME", Description = "ddpm, ddim, dpm-solver++ or unipc. Default ddim, the reference protocol.", DefaultValueFactory = _ => "ddim" };
    private readonly Option<int> _steps = new("--steps") { HelpName = "N", Description = "Sampler steps. Default 250, the reference protocol (DDIM 250).", DefaultValueFactory = _ => EvalSettings.ReferenceSteps };
    private readonly Option<int> _batch = new("--batch") { HelpName = "B", Description = "Images per forward pass (sampling and extraction).", DefaultValueFactory = _ => 64 };
    private readonly Option<string> _device = new("--device") { HelpName = "cpu|cuda|auto", Description = "Where to run.", DefaultValueFactory = _ => "auto" };
    private readonly Option<double> _guidance = new("--guidance") { HelpName = "W", Description = "Class-conditional runs: classifier-free guidance weight; samples cycle through the classes (image i has class i mod K). Default 0, the plain conditional model." };
    private readonly Option<long> _seed = new("--seed") { HelpName = "S", Description = "Sampling seed; sample i depends only on (seed, i)." };
    private readonly Option<string?> _data = new("--data") { HelpName = "DIR", Description = "Real images to compare with. Default: the run's data.path (or its synthetic set)." };
    private readonly Option<string?> _cache = new("--cache") { HelpName = "DIR", Description = "Where real-set features are cached. Default: $XDG_CACHE_HOME/sharpdiffusion/reference-features or ~/.cache/sharpdiffusion/reference-features." };
    private readonly Option<bool> _rawWeights = new("--raw-weights") { Description = "Evaluate the trained weights instead of the EMA weights (recorded as weights: raw)." };
    private readonly FeaturesExtractorOptions _extractor = new();

    public EvalCommand(CancellationToken stop)
        : base("eval", "Evaluate checkpoints of a run: FID (or FD-ResNet18), IS, KID, precision/recall, memorisation. Defaults follow the reference protocol: 2,500 samples per checkpoint with DDIM 250 steps, compared with the run's training images. Results go to <run>/evaluation_results.json and evaluation.csv; steps already evaluated with the same settings are skipped.")
    {
        foreach (var option in new Option[] { _run, _checkpoints, _n, _metrics, _sampler, _steps, _guidance, _batch, _device, _seed, _data, _cache, _rawWeights }.Concat(_extractor.All)) Add(option);
        SetAction(parse => new EvalRunner(new EvalSettings(
            parse.GetValue(_run), parse.GetValue(_checkpoints)!, parse.GetValue(_n), parse.GetValue(_metrics)!, parse.GetValue(_sampler)!, parse.GetValue(_steps), parse.GetValue(_guidance),
            parse.GetValue(_batch), parse.GetValue(_device)!, parse.GetValue(_seed), parse.GetValue(_data), parse.GetValue(_cache),
            parse.GetValue(_extractor.Extractor), FeaturesExtractorOptions.WeightsOrEnvironment(parse.GetValue(_extractor.InceptionWeights)), parse.GetValue(_rawWeights)), stop).Execute());
    }
}

/// <summary>The options of <c>ddpm eval</c> after parsing.</summary>
internal sealed record EvalSettings(
    string? Run, string Checkpoints, int N, string Metrics, string Sampler, int Steps, double Guidance, int Batch, string Device, long Seed, string? Data, string? Cache,
    string? Extractor, string? InceptionWeights, bool RawWeights = false)
{
    public const int ReferenceSamples = 2500;
    public const int ReferenceSteps = 250;
}

/// <summary>Carries out one <c>ddpm eval</c>: real-set features once, then each checkpoint in turn.</summary>
internal sealed class EvalRunner(EvalSettings settings, CancellationToken stop)
{
    private const int GridPairs = 8;

    public int Execute()
    {
        if (settings.Run is null) throw new UsageException("eval needs --run DIR (a folder written by ddpm train).");
        if (settings.N < 2) throw new UsageException("--n must be at least 2 (the reference protocol uses 2500).");
        if (settings.Batch < 1) throw new UsageException("--batch must be at least 1.");
        if (settings.Steps < 1) throw new UsageException("--steps must be at least 1.");
        if (!(settings.Guidance >= 0) || double.IsInfinity(settings.Guidance)) throw new UsageException("--guidance must be a finite number ≥ 0.");
        var metrics = EvaluationMetricNames.Parse(settings.Metrics);
        var run = new RunDirectory(settings.Run);
        if (!run.Exists) throw new UsageException($"run folder {run.Root} does not exist; pass the --out folder of a ddpm train run.");
        var checkpoints = EvalCheckpoints.Select(run, settings.Checkpoints);

        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(settings.Device));
        var metadata = CheckpointFile.ReadMetadata(checkpoints[^1].Path);
        if (settings.Steps > metadata.Config.Diffusion.Timesteps)
            throw new UsageException($"--steps {settings.Steps} is more than the run's {metadata.Config.Diffusion.Timesteps} diffusion timesteps.");
        if (settings.Guidance != 0 && !metadata.Config.Model.ClassConditional)
            throw new UsageException("--guidance needs a class-conditional run; this one was trained without classes.");
        var sampler = Samplers.Create(settings.Sampler);
        var spec = FeaturesExtractorOptions.Spec(settings.Extractor, settings.InceptionWeights);
        using var extractor = FeaturesExtractorOptions.Create(spec, settings.InceptionWeights, device);
        var identity = ReferenceFeatureCache.ExtractorIdentity(extractor, spec == "inception" ? settings.InceptionWeights : null);

        using var real = LoadRealSet(metadata.Config);
        using var realFeatures = RealFeatures(real, metadata.Config.Data, extractor, identity);
        var log = new EvaluationLog(run.Root);
        using var tensorBoard = TensorBoardWriter.Create(Path.Combine(run.Root, TensorBoardWriter.FolderName));
        using var monitor = ResourceMonitor.StartForRun(run.Root, metadata.Config.Training.MonitorIntervalS);
        var table = new Table().AddColumns("step", "FD", "IS", "KID", "precision", "recall", "memorised", "seconds");
        foreach (var (step, path) in checkpoints)
        {
            if (stop.IsCancellationRequested) break;
            var key = string.Create(CultureInfo.InvariantCulture,
                $"n={settings.N};metrics={string.Join(',', metrics)};extractor={identity};sampler={settings.Sampler};steps={settings.Steps};guidance={settings.Guidance};seed={settings.Seed};data={real.ContentHash}{(settings.RawWeights ? ";weights=raw" : "")}");
            if (log.HasEntry(step, key))
            {
                AnsiConsole.MarkupLine($"step {step}: already evaluated with these settings, skipped");
                continue;
            }

            var entry = EvaluateCheckpoint(run, step, path, sampler, metrics, extractor, identity, key, real, realFeatures, device);
            log.Add(entry);
            if (!settings.RawWeights) WriteTensorBoard(tensorBoard, entry, extractor.Name); // the eval/* curves are the EMA weights
            table.AddRow(step.ToString(CultureInfo.InvariantCulture), Format(entry.Fd), Format(entry.IsMean), Format(entry.KidMean), Format(entry.Precision),
                Format(entry.Recall), Format(entry.MemorizationShare), entry.Seconds.ToString("F0", CultureInfo.InvariantCulture));
            foreach (var note in entry.Notes) AnsiConsole.MarkupLine($"[yellow]note:[/] step {step}: {Markup.Escape(note)}");
        }

        if (table.Rows.Count > 0) AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape($"FD column: {FeatureExtractors.FrechetLabel(extractor.Name)}; results in {log.ResultsPath} and {log.CsvPath}"));
        return 0;
    }

    private EvaluationEntry EvaluateCheckpoint(RunDirectory run, int step, string path, ISampler sampler, IReadOnlyList<string> metrics, IFeatureExtractor extractor,
        string identity, string key, ImageDataset real, Tensor realFeatures, Device device)
    {
        var watch = Stopwatch.StartNew();
        var loaded = LoadedModel.Load(path, device, useEma: !settings.RawWeights);
        using var model = loaded.Model;
        var config = loaded.Metadata.Config;
        if (loaded.Metadata.ImageSize != real.ImageSize || loaded.Metadata.Channels != real.Channels)
            throw new UsageException($"checkpoint step {step} makes {loaded.Metadata.ImageSize}×{loaded.Metadata.ImageSize}×{loaded.Metadata.Channels} images but the real set is {real.ImageSize}×{real.ImageSize}×{real.Channels}; pass --data with the run's own images.");
        var diffusion = new GaussianDiffusion(config.Diffusion);
        var timesteps = Timesteps.Create(TimestepSpacings.DefaultFor(settings.Sampler), settings.Steps, diffusion.Schedule);
        // A class-conditional model is scored on a class-balanced sample (image i has class i mod K), like its training set.
        var labels = config.Model.ClassConditional ? Enumerable.Range(0, settings.N).Select(i => (long)(i % config.Model.NumClasses)).ToArray() : null;
        var request = new GenerationRequest(settings.N, sampler, timesteps, settings.Seed, settings.Batch, labels, settings.Guidance);
        var samplingWatch = Stopwatch.StartNew();
        using var samples = EvalProgress.Run($"step {step}: {settings.Sampler} {settings.Steps} steps", settings.N,
            p => ImageGenerator.Generate(model, diffusion, request, device, (done, _) => p.Report(done)));
        double samplingSeconds = samplingWatch.Elapsed.TotalSeconds;
        using var generated = ImageCodec.ToUint8(samples);
        var (features, logits) = EvalProgress.Run($"step {step}: {extractor.Name} features", settings.N, p => FeatureExtraction.ExtractAll(extractor, generated, settings.Batch, p));
        using (features)
        using (logits)
        {
            var values = CheckpointMetrics.Compute(new MetricInputs(extractor.Name, realFeatures, features, logits, real.Images, generated), metrics, (int)settings.Seed);
            string? grid = null;
            if (values.FeatureMemorization is { } memorization)
            {
                grid = Path.Combine(run.Root, string.Create(CultureInfo.InvariantCulture, $"memorization-step-{step:D6}.png"));
                SaveClosestPairs(memorization, generated, real.Images, grid);
            }

            return values.Entry with
            {
                Step = step, N = settings.N, RealCount = real.Count, Sampler = settings.Sampler, Steps = settings.Steps, Guidance = settings.Guidance, Extractor = identity, Seed = settings.Seed, Weights = settings.RawWeights ? "raw" : "ema",
                Seconds = watch.Elapsed.TotalSeconds, SamplingSeconds = samplingSeconds, DatasetHash = real.ContentHash, SettingsKey = key, MemorizationGrid = grid is null ? null : Path.GetFileName(grid),
                CreatedUtc = DateTimeOffset.UtcNow,
            };
        }
    }

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

    private ImageDataset LoadRealSet(RunConfig config)
    {
        var data = config.Data;
        if (settings.Data is string folder)
            data = data with { Path = folder, Source = data.Source == DataSource.Synthetic ? DataSource.Folder : data.Source };
        DataLoadReport report = null!;
        var set = EvalProgress.RunCounted("loading real images", p => DatasetLoader.Load(data, TrainingSession.DefaultCacheDir(), out report, config.Seed, p));
        AnsiConsole.MarkupLine($"real set: {Markup.Escape(report.Description)}");
        if (set.Count < 2)
        {
            set.Dispose();
            throw new EvaluationException($"The real set has {set.Count} image; evaluation needs at least 2 real images.");
        }

        return set;
    }

    private Tensor RealFeatures(ImageDataset real, DataConfig data, IFeatureExtractor extractor, string identity)
    {
        var cache = new ReferenceFeatureCache(settings.Cache ?? DefaultCacheDir());
        var key = ReferenceFeatureCache.Key(real.ContentHash, identity, data.Resize.ToString());
        var features = cache.GetOrCompute(key, extractor.Name, () =>
        {
            var (f, logits) = EvalProgress.Run($"real set: {extractor.Name} features", real.Count, p => FeatureExtraction.ExtractAll(extractor, real.Images, settings.Batch, p));
            logits?.Dispose();
            return f;
        }, out var fromCache);
        AnsiConsole.MarkupLine(Markup.Escape($"real features: {real.Count} × {features.shape[1]} ({(fromCache ? "from cache " : "cached as ")}{cache.FeaturesPath(key)})"));
        return features;
    }

    /// <summary>Metric curves next to the training curves: eval/fid for Inception, eval/fd_&lt;extractor&gt; otherwise.</summary>
    private static void WriteTensorBoard(TensorBoardWriter tensorBoard, EvaluationEntry entry, string extractor)
    {
        string fdTag = extractor == "inception" ? "eval/fid" : $"eval/fd_{extractor}";
        foreach (var (tag, value) in new[] { (fdTag, entry.Fd), ("eval/is", entry.IsMean), ("eval/kid", entry.KidMean), ("eval/precision", entry.Precision),
                     ("eval/recall", entry.Recall), ("eval/memorization_share", entry.MemorizationShare) })
            if (value is double v) tensorBoard.AddScalar(tag, entry.Step, v);
    }

    private static string DefaultCacheDir() => Path.Combine(Path.GetDirectoryName(TrainingSession.DefaultCacheDir())!, "reference-features");

    private static string Format(double? value) => value?.ToString("G5", CultureInfo.InvariantCulture) ?? "–";
}
