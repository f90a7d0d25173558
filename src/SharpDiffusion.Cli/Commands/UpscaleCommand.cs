using SharpDiffusion.Data;
using SharpDiffusion.Runtime;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using Spectre.Console;
using System.CommandLine;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm upscale</c>: super-resolves the user's own images with a trained super-resolution run.</summary>
internal sealed class UpscaleCommand : Command
{
    private readonly Option<string> _run = new("--run") { HelpName = "DIR", Description = "Super-resolution run folder written by ddpm train.", Required = true };
    private readonly Option<string> _images = new("--images") { HelpName = "DIR", Description = "Folder of images of the upscaler's input size (refused, not resized, when another size).", Required = true };
    private readonly Option<string> _outDir = new("--out-dir") { HelpName = "DIR", Description = "Where to write one PNG per image (same file names).", Required = true };
    private readonly Option<double?> _augLevel = new("--aug-level") { HelpName = "S", Description = "Noise-conditioning augmentation level s in [0, 1]. Default: the run's model.super_resolution.augmentation_level." };
    private readonly Option<string> _sampler = new("--sampler") { HelpName = "NAME", Description = Samplers.NameList + ".", DefaultValueFactory = _ => "ddim" };
    private readonly Option<int?> _steps = new("--steps") { HelpName = "N", Description = $"Network evaluations (timesteps). Default: {Samplers.DefaultStepsHelp}." };
    private readonly Option<string> _spacing = new("--spacing") { HelpName = "NAME", Description = $"Timesteps visited: auto ({Samplers.DefaultSpacingHelp}), {string.Join(", ", TimestepSpacings.Names)}.", DefaultValueFactory = _ => "auto" };
    private readonly Option<double> _eta = new("--eta") { HelpName = "η", Description = "DDIM stochasticity (0 = deterministic)." };
    private readonly Option<long> _seed = new("--seed") { HelpName = "S", Description = "Seed; output i depends only on (seed, i) and its input." };
    private readonly Option<double> _guidance = new("--guidance") { HelpName = "W", Description = "Guidance weight on the low-resolution condition (0 uses the conditional branch alone)." };
    private readonly Option<int> _batch = new("--batch") { HelpName = "B", Description = "Images per forward pass.", DefaultValueFactory = _ => 64 };
    private readonly Option<string> _device = new("--device") { HelpName = "cpu|cuda|auto", Description = "Where to run.", DefaultValueFactory = _ => "auto" };
    private readonly Option<bool> _rawWeights = new("--raw-weights") { Description = "Use the trained weights instead of the EMA weights." };
    private readonly NoiseOptions _noise = new(
        noiseNote: "N is the number of --images (sample i is the i-th image in file-name order), H×W the output size.",
        arrayNote: "The PNGs are written too.");

    public UpscaleCommand()
        : base("upscale", "Super-resolve a folder of images with a super-resolution run (model.super_resolution).")
    {
        foreach (var option in new Option[] { _run, _images, _outDir, _augLevel, _sampler, _steps, _spacing, _eta, _seed, _guidance, _batch, _device, _rawWeights }.Concat(_noise.All))
            Add(option);
        SetAction(parse => Execute(
            parse.GetValue(_run)!, parse.GetValue(_images)!, parse.GetValue(_outDir)!, parse.GetValue(_augLevel), parse.GetValue(_device)!,
            new UpscaleSampling(parse.GetValue(_sampler)!, parse.GetValue(_steps), parse.GetValue(_spacing)!, parse.GetValue(_eta), parse.GetValue(_seed),
                parse.GetValue(_batch), parse.GetValue(_guidance), parse.GetValue(_rawWeights)), _noise.Get(parse)));
    }

    private static int Execute(string runFolder, string imagesFolder, string outDir, double? augLevel, string deviceName, UpscaleSampling options, NoiseFiles files)
    {
        if (options.Batch < 1) throw new UsageException("--batch must be at least 1.");
        files.CheckOutputs();
        var stage = CascadeUpscaler.Open(runFolder, "--run", augLevel);
        var (pixels, names) = ExactSizeImages.Load(imagesFolder, stage.InputSize, stage.Metadata.Channels);
        using var given = files.ReadNoise(stage.SampleShape);
        if (given is not null && given.shape[0] != names.Count)
            throw new UsageException($"--noise {files.Noise} holds x_T for {given.shape[0]} samples but {imagesFolder} holds {names.Count} images; write one x_T per image, in file-name order.");
        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(deviceName));
        using (pixels)
        using (var low = ImageCodec.FromUint8(pixels))
        using (var images = UpscaleStage.Run(stage, low, options, device, given))
        using (var unit = ImageCodec.ToUnit(images))
        {
            Directory.CreateDirectory(outDir);
            for (int i = 0; i < names.Count; i++)
            {
                using var image = unit[i];
                ImageCodec.SavePng(image, Path.Combine(outDir, names[i] + ".png"));
            }
            files.Write(images, given, () => StartingNoise.FromSeed(options.Seed, names.Count, stage.SampleShape));
        }
        AnsiConsole.MarkupLine($"wrote {names.Count} images of {stage.Metadata.ImageSize}×{stage.Metadata.ImageSize} to {Markup.Escape(outDir)}");
        return 0;
    }
}
