using System.CommandLine;
using SharpDiffusion.Config;
using SharpDiffusion.Interop.DenoisingDiffusionPytorch;
using SharpDiffusion.Runtime;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm import --format denoising-diffusion-pytorch model-N.pt --out runs/NAME --image-size N</c>.</summary>
internal sealed class ImportCommand : Command
{
    private readonly Argument<string> _checkpoint = new("CHECKPOINT") { Description = "model-N.pt written by denoising-diffusion-pytorch 2.x's Trainer, or its results folder (every model-N.pt becomes a checkpoint of one run)." };
    private readonly Option<string> _format = new("--format") { HelpName = "denoising-diffusion-pytorch", Description = "What wrote the checkpoint.", Required = true };
    private readonly Option<string> _out = new("--out") { HelpName = "DIR", Description = "New run folder to create (must not hold a run).", Required = true };
    private readonly Option<int> _imageSize = new("--image-size") { HelpName = "N", Description = "The GaussianDiffusion's image_size (a checkpoint does not store it).", Required = true };
    private readonly Option<string?> _objective = new("--objective") { HelpName = "eps|x0|v", Description = "Only when the checkpoint has no loss_weight buffer to tell it." };
    private readonly Option<int?> _samplingTimesteps = new("--sampling-timesteps") { HelpName = "N", Description = "The GaussianDiffusion's sampling_timesteps (not in a checkpoint). Default: T, the library's default (ancestral sampling); below T the run samples with the library's DDIM." };
    private readonly Option<string?> _data = new("--data") { HelpName = "DIR", Description = "The training images, recorded as data.path for ddpm eval (optional)." };

    public ImportCommand()
        : base("import", "Turn a checkpoint of denoising-diffusion-pytorch 2.x into a run folder (model.layout reference) for sample, eval and report.")
    {
        Add(_checkpoint);
        foreach (var option in new Option[] { _format, _out, _imageSize, _objective, _samplingTimesteps, _data }) Add(option);
        SetAction(parse => Execute(parse.GetValue(_format)!, parse.GetValue(_checkpoint)!, parse.GetValue(_out)!, parse.GetValue(_imageSize), parse.GetValue(_objective), parse.GetValue(_data), parse.GetValue(_samplingTimesteps)));
    }

    private static int Execute(string format, string checkpoint, string outFolder, int imageSize, string? objective, string? data, int? samplingTimesteps)
    {
        if (format != "denoising-diffusion-pytorch") throw new UsageException($"--format {format} is not a known import format; use denoising-diffusion-pytorch.");
        if (imageSize is < 8 or > 1024) throw new UsageException($"--image-size {imageSize} is out of range; pass the image_size the model was trained at (8 to 1024).");
        NativeRuntime.Initialize(DeviceKind.Cpu);
        Objective? given = objective switch
        {
            null => null,
            "eps" => Objective.Eps,
            "x0" => Objective.X0,
            "v" => Objective.V,
            _ => throw new UsageException($"--objective {objective} is not an objective; use eps, x0 or v (pred_noise, pred_x0, pred_v)."),
        };
        var result = TrainerCheckpointImport.Import(checkpoint, outFolder, new TrainerCheckpointImport.Options(imageSize, given, data, samplingTimesteps));
        AnsiConsole.MarkupLine(Markup.Escape($"imported {checkpoint} (denoising-diffusion-pytorch {result.Version ?? "version not recorded"}, step {result.Step}, {result.Checkpoints.Count} checkpoint(s)) into {result.RunFolder}"));
        foreach (var line in result.Inferred) AnsiConsole.MarkupLine(Markup.Escape($"  {line}"));
        AnsiConsole.MarkupLine(Markup.Escape($"  not in the checkpoint, kept at this library's defaults: dropout 0, batch size (the Trainer's default is 16: --set training.batch_size=16), horizontal flips (data.hflip), the data order and random state"));
        AnsiConsole.MarkupLine(Markup.Escape($"next: ./ddpm sample --run {outFolder} --n 16"));
        return 0;
    }
}
