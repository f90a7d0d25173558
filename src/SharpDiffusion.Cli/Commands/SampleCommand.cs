using System.Globalization;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Data;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using SharpDiffusion.Runtime;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using Spectre.Console;
using System.CommandLine;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

internal sealed class SampleCommand : Command
{
    private readonly Option<string?> _run = new("--run") { HelpName = "DIR", Description = "Run folder written by ddpm train." };
    private readonly Option<string?> _checkpoint = new("--checkpoint") { HelpName = "FILE", Description = "Checkpoint to sample from. Default: the run's latest." };
    private readonly Option<int?> _n = new("--n") { HelpName = "N", Description = $"Number of images. Default: the N of --noise, else {DefaultCount}." };
    private readonly Option<string?> _sampler = new("--sampler") { Description = Samplers.NameList + ". Default: the run's sampling.sampler (ddim; an imported run: as its library sampled)." };
    private readonly Option<int?> _steps = new("--steps") { HelpName = "N", Description = $"Network evaluations (timesteps). Default: the run's sampling.steps, else {Samplers.DefaultStepsHelp}." };
    private readonly Option<string> _spacing = new("--spacing") { Description = $"Noise levels visited; auto: the run's sampling.spacing, else {Samplers.DefaultSpacingHelp} (karras for every sampler on an EDM run).", DefaultValueFactory = _ => "auto" };
    private readonly Option<double> _eta = new("--eta") { HelpName = "η", Description = "DDIM stochasticity (0 = deterministic)." };
    private readonly Option<long> _seed = new("--seed") { HelpName = "S", Description = "Seed; image i depends only on (seed, i)." };
    private readonly Option<string?> _class = new("--class") { HelpName = "NAME", Description = "Class to generate; 'all' (the default for a class-conditional run) gives one row per class, 'none' the unconditional (null-class) branch." };
    private readonly Option<double> _guidance = new("--guidance") { HelpName = "W", Description = "Classifier-free guidance weight w (class-conditional runs; 0 uses the conditional branch alone)." };
    private readonly Option<int> _batch = new("--batch") { HelpName = "B", Description = "Images per forward pass.", DefaultValueFactory = _ => 64 };
    private readonly Option<string> _device = new("--device") { Description = "Where to run.", DefaultValueFactory = _ => "auto" };
    private readonly Option<bool> _rawWeights = new("--raw-weights") { Description = "Use the trained weights instead of the EMA weights." };
    private readonly Option<string?> _out = new("--out") { HelpName = "FILE", Description = "Grid PNG to write. Default: <run>/samples/sample-<step>-<sampler><steps>.png." };
    private readonly Option<string?> _outDir = new("--out-dir") { HelpName = "DIR", Description = "Write one PNG per image into DIR instead of a grid." };
    private readonly Option<string?> _upscale = new("--upscale") { HelpName = "DIR", Description = "Super-resolution run to upscale the samples with (a cascade: base, then upscaler, in one go)." };
    private readonly Option<double?> _augLevel = new("--aug-level") { HelpName = "S", Description = "With --upscale: noise-conditioning augmentation level s in [0, 1]. Default: the upscaler's model.super_resolution.augmentation_level." };
    private readonly Option<double> _upscaleGuidance = new("--upscale-guidance") { HelpName = "W", Description = "With --upscale: guidance weight on the low-resolution condition (0 uses the conditional branch alone)." };
    private readonly Option<bool?> _clipDenoised = new("--clip-denoised") { HelpName = "true|false", Description = "Clip x̂₀ to [−1, 1] while sampling. Default: true for pixel models of the ddpm formulation with ddpm, ddim, dpm-solver++ and unipc; false for EDM models and for euler and heun; latent models never clip (their x̂₀ is a latent)." };
    private readonly ChurnOptions _churn = new();
    private readonly GuideOptions _guide = new();
    private readonly Option<bool> _compare = new("--compare") { Description = "With --upscale and a grid: one row per image with the low-resolution sample, its bicubic upscale and the super-resolved image." };
    private readonly NoiseOptions _noise = new(
        noiseNote: "--n defaults to N; with --upscale it is the base stage's x_T.",
        arrayNote: "Without --out or --out-dir, no PNG is written.");

    private const int DefaultCount = 64;

    public SampleCommand()
        : base("sample", "Generate images from a trained run (EMA weights; the model is rebuilt from the checkpoint's own config).")
    {
        foreach (var option in new Option[] { _run, _checkpoint, _n, _sampler, _steps, _spacing, _eta, _seed, _class, _guidance, _batch, _device, _rawWeights, _out, _outDir, _upscale, _augLevel, _upscaleGuidance, _compare, _clipDenoised }.Concat(_churn.All).Concat(_guide.All).Concat(_noise.All))
            Add(option);
        Choices.Restrict(_device, NativeRuntime.DeviceNames);
        Choices.Restrict(_sampler, Samplers.Names);
        Choices.Restrict(_spacing, TimestepSpacings.NamesWithAuto);
        SetAction(parse => Execute(new SampleSettings(
            parse.GetValue(_run), parse.GetValue(_checkpoint), parse.GetValue(_n), parse.GetValue(_sampler), parse.GetValue(_steps), parse.GetValue(_spacing)!, parse.GetValue(_eta),
            parse.GetValue(_seed), parse.GetValue(_class), parse.GetValue(_guidance), parse.GetValue(_batch), parse.GetValue(_device)!,
            parse.GetValue(_rawWeights), parse.GetValue(_out), parse.GetValue(_outDir),
            parse.GetValue(_upscale), parse.GetValue(_augLevel), parse.GetValue(_upscaleGuidance), parse.GetValue(_compare), parse.GetValue(_clipDenoised), _noise.Get(parse), _churn.Get(parse), _guide.Get(parse))));
    }

    /// <summary>The plan's noise levels; a spacing that does not fit the model (a timestep rule on EDM) is a usage error.</summary>
    internal static IReadOnlyList<Diffusion.NoiseLevel> Levels(SamplingPlan plan, Diffusion.Formulations.IFormulation formulation)
    {
        try { return plan.LevelsFor(formulation); }
        catch (ArgumentException e) { throw new UsageException($"--spacing {TimestepSpacings.NameOf(plan.Spacing)}: {e.Message.Split(" (Parameter")[0].TrimEnd('.')}."); }
    }

    private static int Execute(SampleSettings settings)
    {
        if (settings.Run is null && settings.Checkpoint is null) throw new UsageException("sample needs --run DIR (or --checkpoint FILE).");
        if (settings.N < 1) throw new UsageException("--n must be at least 1.");
        var files = settings.Files ?? new NoiseFiles();
        files.CheckOutputs();
        if (settings.Batch < 1) throw new UsageException("--batch must be at least 1.");
        if (settings.Out is not null && settings.OutDir is not null) throw new UsageException("give either --out (a grid) or --out-dir (one PNG per image), not both.");

        var run = settings.Run is null ? null : new RunDirectory(settings.Run);
        if (run is not null && !run.Exists) throw new UsageException($"run folder {run.Root} does not exist; pass the --out folder of a ddpm train run.");
        string checkpoint = settings.Checkpoint ?? run!.LatestCheckpoint()
            ?? throw new UsageException($"{run!.Root} has no checkpoint yet; train it first (ddpm train --out {run.Root}).");

        if (settings.Upscale is null && (settings.AugLevel is not null || settings.UpscaleGuidance != 0 || settings.Compare))
            throw new UsageException("--aug-level, --upscale-guidance and --compare need --upscale DIR (a super-resolution run).");
        // The cascade is checked before anything is sampled or written.
        var upscale = settings.Upscale is null ? null : CascadeUpscaler.Open(settings.Upscale, "--upscale", settings.AugLevel);
        if (upscale is not null)
            CascadeCheck.ThrowIfIncompatible(CheckpointFile.ReadMetadata(checkpoint), $"--run {settings.Run ?? checkpoint}", upscale.Metadata, $"--upscale {settings.Upscale}");

        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(settings.Device));
        using var loaded = LoadedModel.Load(checkpoint, device, useEma: !settings.RawWeights);
        var model = loaded.Model;
        var meta = loaded.Metadata;

        var formulation = Formulations.For(meta.Config.Diffusion);
        var plan = RunSampling.Resolve(meta.Config.Sampling, settings.Sampler, settings.Steps, settings.Spacing, formulation);
        int steps = plan.Steps;
        var sampler = new SamplerChoice(plan.Sampler, settings.Eta, Churn: settings.Churn);
        if (settings.ClipDenoised == true && !model.ClipDenoised)
            throw new UsageException("this is a latent model: its samples are latents, which have no [−1, 1] range to clip to; drop --clip-denoised true.");
        sampler.Create(settings.ClipDenoised ?? model.ClipDenoised); // an unknown name or an option of another sampler fails here, before any sampling
        var levels = Levels(plan, formulation);
        using var given = files.ReadNoise(model.SampleShape);
        if (given is not null && settings.N is int asked && asked != given.shape[0])
            throw new UsageException($"--n {asked} disagrees with --noise {files.Noise}, which holds x_T for {given.shape[0]} samples; drop --n or pass --n {given.shape[0]}.");
        int count = given is null ? settings.N ?? DefaultCount : (int)given.shape[0];
        var labels = ClassLabels(settings.Class, count, meta);
        if (settings.Guidance != 0 && labels is null)
            throw new UsageException(meta.Config.Model.ClassConditional
                ? "--guidance needs class labels; drop --class none or name a class."
                : "this run was trained without classes, so --guidance cannot be used; train with --set model.class_conditional=true.");
        if (settings.AutoGuide is not null && settings.Guidance != 0)
            throw new UsageException("--guidance and --autoguidance are two kinds of guidance; use one of them.");
        using var guide = settings.AutoGuide is { } auto ? GuideOptions.Load(auto.Path, loaded, device) : null;
        var request = new GenerationRequest(count, sampler, levels, settings.Seed, settings.Batch, labels is null ? null : new ClassLabelSource(labels), settings.Guidance, settings.ClipDenoised, given,
            guide is null ? null : GuideOptions.For(guide, settings.AutoGuide!.Value.Weight));

        Tensor images = null!;
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask($"{plan.Sampler} {steps} steps ({TimestepSpacings.NameOf(plan.Spacing)})", maxValue: count);
            images = ImageGenerator.Generate(model, formulation, request, device, (done, _) => task.Value = done, loaded.Space);
        });
        string name = $"sample-{meta.Step:D6}-{plan.Sampler}{steps}";
        int? columns = null;
        Tensor? shown = null; // what the PNGs show when it is not the samples themselves (--compare rows)
        if (upscale is not null)
        {
            var options = new UpscaleSampling(settings.Sampler ?? "ddim", settings.Steps, settings.Spacing, settings.Eta, settings.Seed, settings.Batch, settings.UpscaleGuidance, settings.RawWeights);
            using var low = images;
            images = UpscaleStage.Run(upscale, low, options, device);
            name += $"-up{upscale.Metadata.ImageSize}";
            if (settings.Compare && settings.OutDir is null)
            {
                shown = UpscaleComparison.Rows(low, images);
                columns = UpscaleComparison.Columns(withReal: false);
            }
        }
        using (images)
        using (shown)
        {
            if (files.OutArray is null || settings.Out is not null || settings.OutDir is not null)
            {
                using var unit = ImageCodec.ToUnit(shown ?? images);
                if (settings.OutDir is string dir) WriteFolder(unit, dir, settings.Seed);
                else
                {
                    string path = settings.Out ?? Path.Combine(run?.SamplesDir ?? ".", name + ".png");
                    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
                    ImageCodec.SaveGrid(unit, path, columns, scale: ImageCodec.GridScale((int)unit.shape[2]));
                    AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)} ({count} images from step {meta.Step})");
                }
            }
            files.Write(images, given, () => StartingNoise.FromSeed(settings.Seed, count, model.SampleShape));
        }
        return 0;
    }

    internal static void WriteFolder(Tensor unit, string dir, long seed)
    {
        Directory.CreateDirectory(dir);
        for (int i = 0; i < unit.shape[0]; i++)
        {
            using var image = unit[i];
            ImageCodec.SavePng(image, Path.Combine(dir, string.Create(CultureInfo.InvariantCulture, $"seed{seed}-{i:D5}.png")));
        }
        AnsiConsole.MarkupLine($"wrote {unit.shape[0]} images to {Markup.Escape(dir)}");
    }

    /// <summary>
    /// The label of each of the <paramref name="count"/> images: one named class, or with "all" one class per grid row; null
    /// for an unconditional run or "none". A class-conditional run defaults to "all": its null-class branch saw only the
    /// dropped-out labels in training (10% by default), so the classes in turn give the better picture of what it learned.
    /// </summary>
    private static long[]? ClassLabels(string? name, int count, CheckpointMetadata meta)
    {
        if (!meta.Config.Model.ClassConditional)
        {
            if (name is null) return null;
            throw new UsageException("this run was trained without classes, so --class cannot be used; train with --set model.class_conditional=true.");
        }
        name ??= "all";
        if (string.Equals(name, "none", StringComparison.OrdinalIgnoreCase)) return null;
        if (string.Equals(name, "all", StringComparison.OrdinalIgnoreCase)) return ClassRows.Labels(count, meta.Config.Model.NumClasses);
        int index = meta.ClassNames.ToList().FindIndex(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase));
        if (index < 0) throw new UsageException($"unknown class '{name}'; this run knows: {string.Join(", ", meta.ClassNames)} (or all, none).");
        return Enumerable.Repeat((long)index, count).ToArray();
    }
}

/// <summary>The options of <c>ddpm sample</c> after parsing.</summary>
internal sealed record SampleSettings(
    string? Run, string? Checkpoint, int? N, string? Sampler, int? Steps, string Spacing, double Eta, long Seed, string? Class, double Guidance, int Batch,
    string Device, bool RawWeights, string? Out, string? OutDir, string? Upscale = null, double? AugLevel = null, double UpscaleGuidance = 0, bool Compare = false, bool? ClipDenoised = null,
    NoiseFiles? Files = null, Churn? Churn = null, (string Path, double Weight)? AutoGuide = null);
