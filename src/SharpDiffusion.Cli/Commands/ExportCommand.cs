using System.CommandLine;
using SharpDiffusion.Interop.Export;
using SharpDiffusion.Runtime;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm export --run DIR --format safetensors|pytorch [--out DIR]</c>.</summary>
internal sealed class ExportCommand : Command
{
    private readonly Option<string> _run = new("--run") { HelpName = "DIR", Description = "Run folder to export (its latest checkpoint).", Required = true };
    private readonly Option<string> _format = new("--format") { HelpName = "safetensors|pytorch", Description = "model.safetensors or model.pt (a PyTorch state dict).", DefaultValueFactory = _ => "safetensors" };
    private readonly Option<string?> _out = new("--out") { HelpName = "DIR", Description = "Where to write the weights and config.json. Default: RUN/export." };
    private readonly Option<string?> _checkpoint = new("--checkpoint") { HelpName = "FILE", Description = "Export this checkpoint instead of the latest." };

    public ExportCommand()
        : base("export", "Write a run's EMA weights (safetensors or PyTorch) and a config.json describing them, for use outside .NET (docs/interop.md).")
    {
        foreach (var option in new Option[] { _run, _format, _out, _checkpoint }) Add(option);
        SetAction(parse => Execute(parse.GetValue(_run)!, parse.GetValue(_format)!, parse.GetValue(_out), parse.GetValue(_checkpoint)));
    }

    private static int Execute(string run, string format, string? outFolder, string? checkpoint)
    {
        var kind = format switch
        {
            "safetensors" => ExportFormat.Safetensors,
            "pytorch" => ExportFormat.Pytorch,
            _ => throw new UsageException($"--format {format} is not a known export format; use safetensors or pytorch."),
        };
        NativeRuntime.Initialize(DeviceKind.Cpu);
        var result = ModelExport.Write(run, kind, outFolder, checkpoint);
        AnsiConsole.MarkupLine(Markup.Escape($"exported step {result.Step} (EMA weights, {result.TensorCount} tensors) to {result.WeightsPath} and {result.ManifestPath}"));
        return 0;
    }
}
