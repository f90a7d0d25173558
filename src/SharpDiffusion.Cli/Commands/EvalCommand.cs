using System.CommandLine;
using System.Globalization;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Runtime;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// <c>ddpm eval</c>: samples each chosen checkpoint with the run's own config, extracts features of the samples and of
/// the run's training set, and records the Fréchet distance (named by its feature space), IS, KID, precision/recall and memorisation in the run folder.
/// </summary>
internal sealed class EvalCommand : Command
{
    private readonly Option<string?> _run = new("--run") { HelpName = "DIR", Description = "Run folder written by ddpm train." };
    private readonly Option<string> _checkpoints = new("--checkpoints") { HelpName = "latest|all|STEP,...", Description = "Which checkpoints; 'all' gives metric-versus-step curves.", DefaultValueFactory = _ => "latest" };
    private readonly Option<int> _n = new("--n") { HelpName = "N", Description = "Samples per checkpoint. Default 2500, the reference protocol.", DefaultValueFactory = _ => EvalSettings.ReferenceSamples };
    private readonly Option<string> _metrics = new("--metrics") { HelpName = "LIST", Description = "Any of fd (Fréchet distance: FID with the Inception, FD-ResNet18 with resnet18; 'fid' is accepted too),is,kid,pr,memorization.", DefaultValueFactory = _ => string.Join(',', EvaluationMetricNames.All) };
    private readonly Option<string?> _sampler = new("--sampler") { Description = Samplers.NameList + ". Default: the run's sampling.sampler (ddim, the reference protocol; an imported run: as its library sampled)." };
    private readonly Option<int?> _steps = new("--steps") { HelpName = "N", Description = "Sampler steps. Default: the run's sampling.steps, else 250, the reference protocol (DDIM 250)." };
    private readonly Option<string> _spacing = new("--spacing") { Description = $"Timesteps visited; auto: the run's sampling.spacing, else {Samplers.DefaultSpacingHelp}.", DefaultValueFactory = _ => "auto" };
    private readonly Option<string> _realStats = new("--real-stats") { Description = RealStatistics.Help, DefaultValueFactory = _ => RealStatistics.Images };
    private readonly Option<int> _batch = new("--batch") { HelpName = "B", Description = "Images per forward pass (sampling and extraction).", DefaultValueFactory = _ => 64 };
    private readonly Option<string> _device = new("--device") { Description = "Where to run.", DefaultValueFactory = _ => "auto" };
    private readonly Option<double> _guidance = new("--guidance") { HelpName = "W", Description = "Class-conditional runs: classifier-free guidance weight; samples cycle through the classes (image i has class i mod K). Default 0, the plain conditional model." };
    private readonly Option<long> _seed = new("--seed") { HelpName = "S", Description = "Sampling seed; sample i depends only on (seed, i)." };
    private readonly Option<string?> _data = new("--data") { HelpName = "DIR", Description = "Real images to compare with. Default: the run's data.path (or its synthetic set)." };
    private readonly Option<string?> _reference = new("--reference") { HelpName = "test|DIR|FILE", Description = "Held-out images for FD, KID and precision/recall (memorisation stays against the training images): 'test' (a Fashion-MNIST run's test split), a folder (loaded through the run's data pipeline: resized and converted like the training images), or a .npy of ddpm features / a statistics file (FD only) in the same feature space. Default: the training images." };
    private readonly Option<string?> _cache = new("--cache") { HelpName = "DIR", Description = "Where real-set features are cached. Default: $XDG_CACHE_HOME/sharpdiffusion/reference-features or ~/.cache/sharpdiffusion/reference-features." };
    private readonly Option<bool> _rawWeights = new("--raw-weights") { Description = "Evaluate the trained weights instead of the EMA weights (recorded as weights: raw)." };
    private readonly Option<bool> _json = new(JsonOutput.OptionName) { Description = "Print the entries of the chosen checkpoints (evaluated now or before) as JSON on stdout, in the fields of evaluation_results.json; progress and tables go to stderr." };
    private readonly Option<string?> _upscale = new("--upscale") { HelpName = "DIR", Description = "Evaluate a cascade: super-resolve the samples with this super-resolution run (its latest checkpoint) and measure at its output size against the real images loaded at that size." };
    private readonly Option<double?> _augLevel = new("--aug-level") { HelpName = "S", Description = "With --upscale: noise-conditioning augmentation level s in [0, 1]. Default: the upscaler's model.super_resolution.augmentation_level." };
    private readonly Option<double> _upscaleGuidance = new("--upscale-guidance") { HelpName = "W", Description = "With --upscale: guidance weight on the low-resolution condition (0 uses the conditional branch alone)." };
    private readonly Option<string?> _upscaleSampler = new("--upscale-sampler") { Description = "With --upscale: the upscaler's sampler. Default: --sampler." };
    private readonly Option<int?> _upscaleSteps = new("--upscale-steps") { HelpName = "N", Description = "With --upscale: the upscaler's sampler steps. Default: --steps." };
    private readonly FeaturesExtractorOptions _extractor = new();
    private readonly GuideOptions _guide = new();

    public EvalCommand(CancellationToken stop)
        : base("eval", "Evaluate checkpoints of a run: Fréchet distance (FID with the Inception, FD-ResNet18 with the offline ResNet-18), IS, KID, precision/recall (equal numbers of real and generated samples), memorisation (calibrated threshold, and the papers' nearest/second-nearest ratio < 1/3 with a bootstrap 95% interval). Defaults follow the reference protocol: 2,500 samples per checkpoint with DDIM 250 steps, compared with the run's training images (--reference: with held-out images). Results go to <run>/evaluation_results.json and evaluation.csv; steps already evaluated with the same settings are skipped.")
    {
        foreach (var option in new Option[] { _run, _checkpoints, _n, _metrics, _sampler, _steps, _spacing, _realStats, _guidance, _batch, _device, _seed, _data, _reference, _cache, _json, _rawWeights, _extractor.IsLogits, _upscale, _augLevel, _upscaleGuidance, _upscaleSampler, _upscaleSteps }.Concat(_extractor.All).Concat(_guide.All)) Add(option);
        Choices.Restrict(_device, NativeRuntime.DeviceNames);
        Choices.Restrict(_sampler, Samplers.Names);
        Choices.Restrict(_spacing, TimestepSpacings.NamesWithAuto);
        Choices.Restrict(_realStats, RealStatistics.Names);
        Choices.Restrict(_upscaleSampler, Samplers.Names);
        SetAction(parse => new EvalRunner(new EvalSettings(
            parse.GetValue(_run), parse.GetValue(_checkpoints)!, parse.GetValue(_n), parse.GetValue(_metrics)!, parse.GetValue(_sampler)!, parse.GetValue(_steps), parse.GetValue(_guidance),
            parse.GetValue(_batch), parse.GetValue(_device)!, parse.GetValue(_seed), parse.GetValue(_data), parse.GetValue(_cache),
            parse.GetValue(_extractor.Extractor), FeaturesExtractorOptions.WeightsOrEnvironment(parse.GetValue(_extractor.InceptionWeights)),
            parse.GetValue(_json), parse.GetValue(_extractor.IsLogits), parse.GetValue(_rawWeights),
            new CascadeSettings(parse.GetValue(_upscale), parse.GetValue(_augLevel), parse.GetValue(_upscaleGuidance), parse.GetValue(_upscaleSampler), parse.GetValue(_upscaleSteps)),
            parse.GetValue(_spacing)!, parse.GetValue(_realStats)!, parse.GetValue(_reference), _guide.Get(parse)), stop).Execute());
    }
}

/// <summary>The options of <c>ddpm eval</c> after parsing.</summary>
internal sealed record EvalSettings(
    string? Run, string Checkpoints, int N, string Metrics, string? Sampler, int? Steps, double Guidance, int Batch, string Device, long Seed, string? Data, string? Cache,
    string? Extractor, string? InceptionWeights, bool Json = false, string? IsLogits = null, bool RawWeights = false, CascadeSettings? Cascade = null,
    string Spacing = "auto", string RealStats = RealStatistics.Images, string? Reference = null, (string Path, double Weight)? AutoGuide = null)
{
    public const int ReferenceSamples = EvaluationProtocol.ReferenceSamples;
    public const int ReferenceSteps = EvaluationProtocol.ReferenceSteps;
}

/// <summary>The upscale stage of <c>ddpm eval --upscale</c> after parsing; null sampler/steps take the base's.</summary>
internal sealed record CascadeSettings(string? Upscale, double? AugLevel = null, double Guidance = 0, string? Sampler = null, int? Steps = null)
{
    /// <summary>The stage's protocol (null without --upscale); refuses its options without --upscale, and an upscaler that is not one.</summary>
    public UpscaleProtocol? Resolve(string baseSampler, int baseSteps)
    {
        if (Upscale is null)
        {
            if (AugLevel is not null || Guidance != 0 || Sampler is not null || Steps is not null)
                throw new UsageException("--aug-level, --upscale-guidance, --upscale-sampler and --upscale-steps need --upscale DIR (a super-resolution run).");
            return null;
        }
        if (Steps is < 1) throw new UsageException("--upscale-steps must be at least 1.");
        if (!(Guidance >= 0) || double.IsInfinity(Guidance)) throw new UsageException("--upscale-guidance must be a finite number ≥ 0.");
        var upscaler = CascadeUpscaler.Open(Upscale, "--upscale", AugLevel);
        return UpscaleProtocol.Of(upscaler, Guidance, Sampler ?? baseSampler, Steps ?? baseSteps);
    }
}

/// <summary>
/// Carries out one <c>ddpm eval</c>: checks the options, picks the checkpoints and the extractor, runs the library's
/// <see cref="RunEvaluation"/> and prints its results as a table.
/// </summary>
internal sealed class EvalRunner(EvalSettings settings, CancellationToken stop)
{
    public int Execute()
    {
        if (settings.Run is null) throw new UsageException("eval needs --run DIR (a folder written by ddpm train).");
        if (settings.N < 2) throw new UsageException("--n must be at least 2 (the reference protocol uses 2500).");
        if (settings.Batch < 1) throw new UsageException("--batch must be at least 1.");
        if (settings.Steps is < 1) throw new UsageException("--steps must be at least 1.");
        if (!(settings.Guidance >= 0) || double.IsInfinity(settings.Guidance)) throw new UsageException("--guidance must be a finite number ≥ 0.");
        var metrics = EvaluationMetricNames.Parse(settings.Metrics);
        if (settings.Json) JsonOutput.HumanOutputToStderr();
        var run = new RunDirectory(settings.Run);
        if (!run.Exists) throw new UsageException($"run folder {run.Root} does not exist; pass the --out folder of a ddpm train run.");
        var checkpoints = EvalCheckpoints.Select(run, settings.Checkpoints);

        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(settings.Device));
        var metadata = CheckpointFile.ReadMetadata(checkpoints[^1].Path);
        var plan = RunSampling.Resolve(metadata.Config.Sampling, settings.Sampler, settings.Steps, settings.Spacing, Formulations.For(metadata.Config.Diffusion), EvalSettings.ReferenceSteps);
        var upscale = (settings.Cascade ?? new CascadeSettings(null)).Resolve(plan.Sampler, plan.Steps);
        var protocol = new EvaluationProtocol(settings.N, metrics, plan.Sampler, plan.Steps, settings.Guidance, settings.Seed, settings.Batch, settings.RawWeights, upscale,
            TimestepSpacings.NameOf(plan.Spacing), RealStatistics.Parse(settings.RealStats), settings.Reference,
            settings.AutoGuide is { } auto ? AutoGuideProtocol.Open(auto.Path, auto.Weight) : null);
        RunEvaluation.ThrowIfUnsuitable(protocol, metadata);
        bool autoencoder = metadata.Family == ModelFamily.Autoencoder;
        var spec = FeaturesExtractorOptions.Spec(settings.Extractor, settings.InceptionWeights);
        using var extractor = FeaturesExtractorOptions.Create(spec, settings.InceptionWeights, device, settings.IsLogits);
        var identity = ReferenceFeatureCache.ExtractorIdentity(extractor, spec == "inception" ? settings.InceptionWeights : null);

        var table = autoencoder
            ? new Table().AddColumns("step", $"{FeatureExtractors.FrechetLabel(extractor.Name)} ({ReconstructionEvaluation.ComparedLabel})", "PSNR (dB)", "SSIM", "n", "seconds")
            : new Table().AddColumns("step", FeatureExtractors.FrechetLabel(extractor.Name), extractor.LogitsKind is string kind ? $"IS ({kind})" : "IS", "KID", "precision", "recall", "memorised", "NN1/NN2 < 1/3 (95% CI)", "ℓ min / median", "seconds");
        var progress = new EvalProgress(entry =>
        {
            string seconds = entry.Seconds.ToString("F0", CultureInfo.InvariantCulture);
            if (autoencoder)
                table.AddRow(entry.Step.ToString(CultureInfo.InvariantCulture), Format(entry.Fd), Format(entry.ReconstructionPsnr), Format(entry.ReconstructionSsim), entry.N.ToString(CultureInfo.InvariantCulture), seconds);
            else
                table.AddRow(entry.Step.ToString(CultureInfo.InvariantCulture), Format(entry.Fd), Format(entry.IsMean), Format(entry.KidMean), Format(entry.Precision),
                    Format(entry.Recall), Format(entry.MemorizationShare), FormatRatio(entry), FormatNormalizedDistance(entry), seconds);
            foreach (var note in entry.Notes) AnsiConsole.MarkupLine($"[yellow]note:[/] step {entry.Step}: {Markup.Escape(note)}");
        });
        var evaluation = new RunEvaluation(run, protocol, progress, settings.Data, TrainingSession.DefaultCacheDir(), settings.Cache ?? DefaultCacheDir());
        var results = evaluation.Execute(checkpoints, extractor, identity, device, stop);
        bool interrupted = stop.IsCancellationRequested;

        var log = new EvaluationLog(run.Root);
        if (table.Rows.Count > 0) AnsiConsole.Write(table);
        if (results.FirstOrDefault(e => e.Reference is not null) is { } held)
            AnsiConsole.MarkupLine(Markup.Escape($"FD, KID and precision/recall against the held-out reference {held.Reference}; memorisation against the training images"));
        if (results.FirstOrDefault(e => e.MemorizationRatioResamples is not null) is { } ratio)
            AnsiConsole.MarkupLine(Markup.Escape($"memorised (NN1/NN2 < 1/3): pixel-ℓ2 nearest/second-nearest training image; 95% interval from {ratio.MemorizationRatioResamples} bootstrap resamples, seed {ratio.MemorizationRatioSeed}"));
        if (results.FirstOrDefault(e => e.MemorizationNormalizedDistanceNeighbors is not null) is { } normalized)
            AnsiConsole.MarkupLine(Markup.Escape($"ℓ (Carlini et al. 2023): pixel-ℓ2 distance to the nearest training image over {normalized.MemorizationNormalizedDistanceAlpha} × the mean distance to the {normalized.MemorizationNormalizedDistanceNeighbors} nearest; 0 for a copy"));
        if (upscale is not null) AnsiConsole.MarkupLine(Markup.Escape($"cascade: {upscale.Label}; measured at {upscale.OutputSize}×{upscale.OutputSize}"));
        AnsiConsole.MarkupLine(Markup.Escape($"{FeatureExtractors.FrechetLabel(extractor.Name)} with {extractor.Name} features; results in {log.ResultsPath} and {log.CsvPath}"));
        if (settings.Json) JsonOutput.Write(new { run = run.Root, entries = results }, EvaluationJson.Options);
        if (interrupted) AnsiConsole.MarkupLine("[yellow]stopped[/]; run the same command again to evaluate the remaining checkpoints (finished ones are skipped).");
        return interrupted ? CliErrors.Interrupted : 0;
    }

    private static string DefaultCacheDir() => Path.Combine(Path.GetDirectoryName(TrainingSession.DefaultCacheDir())!, "reference-features");

    private static string FormatRatio(EvaluationEntry entry) => entry.MemorizationRatioShare is double share
        ? $"{Format(share)} ({Format(entry.MemorizationRatioLow)}–{Format(entry.MemorizationRatioHigh)})"
        : "–";

    private static string FormatNormalizedDistance(EvaluationEntry entry) => entry.MemorizationNormalizedDistanceMedian is double median
        ? $"{Format(entry.MemorizationNormalizedDistanceMinimum)} / {Format(median)}"
        : "–";

    private static string Format(double? value) => value?.ToString("G5", CultureInfo.InvariantCulture) ?? "–";
}
