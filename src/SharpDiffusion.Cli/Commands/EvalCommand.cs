using System.CommandLine;
using System.Globalization;
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
    private readonly Option<string> _realStats = new("--real-stats") { Description = RealStatistics.Help, DefaultValueFactory = _ => RealStatistics.Images };
    private readonly Option<string> _device = new("--device") { Description = "Where to run.", DefaultValueFactory = _ => "auto" };
    private readonly Option<string?> _data = new("--data") { HelpName = "DIR", Description = "Real images to compare with. Default: the run's data.path (or its synthetic set)." };
    private readonly Option<string?> _cache = new("--cache") { HelpName = "DIR", Description = "Where real-set features are cached. Default: $XDG_CACHE_HOME/sharpdiffusion/reference-features or ~/.cache/sharpdiffusion/reference-features." };
    private readonly Option<bool> _rawWeights = new("--raw-weights") { Description = "Evaluate the trained weights instead of the EMA weights (recorded as weights: raw)." };
    private readonly Option<bool> _json = new(JsonOutput.OptionName) { Description = "Print the entries of the chosen checkpoints (evaluated now or before) as JSON on stdout, in the fields of evaluation_results.json; progress and tables go to stderr." };
    private readonly Option<string?> _upscale = new("--upscale") { HelpName = "DIR", Description = "Evaluate a cascade: super-resolve the samples with this super-resolution run (its latest checkpoint) and measure at its output size against the real images loaded at that size." };
    private readonly Option<double?> _augLevel = new("--aug-level") { HelpName = "S", Description = "With --upscale: noise-conditioning augmentation level s in [0, 1]. Default: the upscaler's model.super_resolution.augmentation_level." };
    private readonly Option<double> _upscaleGuidance = new("--upscale-guidance") { HelpName = "W", Description = "With --upscale: guidance weight on the low-resolution condition (0 uses the conditional branch alone)." };
    private readonly Option<string?> _upscaleSampler = new("--upscale-sampler") { Description = "With --upscale: the upscaler's sampler. Default: --sampler." };
    private readonly Option<int?> _upscaleSteps = new("--upscale-steps") { HelpName = "N", Description = "With --upscale: the upscaler's sampler steps. Default: --steps." };
    private readonly EvalProtocolOptions _protocol = new("--", checkpoints: "latest");
    private readonly FeaturesExtractorOptions _extractor = new();
    private readonly GuideOptions _guide = new();

    public EvalCommand(CancellationToken stop)
        : base("eval", "Evaluate checkpoints of a run: Fréchet distance (FID with the Inception, FD-ResNet18 with the offline ResNet-18), IS, KID, precision/recall (equal numbers of real and generated samples), memorisation (calibrated threshold, and the papers' nearest/second-nearest ratio < 1/3 with a bootstrap 95% interval). Defaults follow the reference protocol: 2,500 samples per checkpoint with DDIM 250 steps, compared with the run's training images (--reference: with held-out images). Results go to <run>/evaluation_results.json and evaluation.csv; steps already evaluated with the same settings are skipped.")
    {
        foreach (var option in new Option[] { _run }.Concat(_protocol.All).Concat([_realStats, _device, _data, _cache, _json, _rawWeights, _extractor.IsLogits, _upscale, _augLevel, _upscaleGuidance, _upscaleSampler, _upscaleSteps]).Concat(_extractor.All).Concat(_guide.All)) Add(option);
        Choices.Restrict(_device, NativeRuntime.DeviceNames);
        Choices.Restrict(_realStats, RealStatistics.Names);
        Choices.Restrict(_upscaleSampler, Samplers.Names);
        SetAction(parse => new EvalRunner(Settings(parse), stop).Execute());
    }

    /// <summary>The parsed options, not yet checked (<see cref="EvalRunner"/> does).</summary>
    internal EvalSettings Settings(ParseResult parse) => new(
        parse.GetValue(_run), _protocol.Get(parse), parse.GetValue(_device)!, parse.GetValue(_data), parse.GetValue(_cache),
        parse.GetValue(_extractor.Extractor), FeaturesExtractorOptions.WeightsOrEnvironment(parse.GetValue(_extractor.InceptionWeights)),
        parse.GetValue(_json), parse.GetValue(_extractor.IsLogits), parse.GetValue(_rawWeights),
        new CascadeSettings(parse.GetValue(_upscale), parse.GetValue(_augLevel), parse.GetValue(_upscaleGuidance), parse.GetValue(_upscaleSampler), parse.GetValue(_upscaleSteps)),
        parse.GetValue(_realStats)!, _guide.Get(parse));
}

/// <summary>The options of <c>ddpm eval</c> after parsing; <paramref name="Protocol"/>: what is measured (shared with <c>ddpm sweep --eval</c>).</summary>
internal sealed record EvalSettings(
    string? Run, EvalProtocolSettings Protocol, string Device, string? Data, string? Cache, string? Extractor, string? InceptionWeights, bool Json = false,
    string? IsLogits = null, bool RawWeights = false, CascadeSettings? Cascade = null, string RealStats = RealStatistics.Images, (string Path, double Weight)? AutoGuide = null);

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
        var asked = settings.Protocol;
        asked.ThrowIfInvalid();
        if (settings.Json) JsonOutput.HumanOutputToStderr();
        var run = new RunDirectory(settings.Run);
        if (!run.Exists) throw new UsageException($"run folder {run.Root} does not exist; pass the --out folder of a ddpm train run.");
        var checkpoints = EvalCheckpoints.Select(run, asked.Checkpoints);

        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(settings.Device));
        var metadata = CheckpointFile.ReadMetadata(checkpoints[^1].Path);
        var plan = asked.PlanFor(metadata.Config);
        var upscale = (settings.Cascade ?? new CascadeSettings(null)).Resolve(plan.Sampler, plan.Steps);
        var protocol = asked.ProtocolFor(plan, upscale, settings.RawWeights, settings.RealStats, settings.AutoGuide is { } auto ? AutoGuideProtocol.Open(auto.Path, auto.Weight) : null);
        asked.Check(() => RunEvaluation.ThrowIfUnsuitable(protocol, metadata));
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
