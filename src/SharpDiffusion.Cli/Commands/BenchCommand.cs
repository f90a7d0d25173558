using System.Globalization;
using SharpDiffusion.Config;
using SharpDiffusion.Runtime;
using SharpDiffusion.Training;
using Spectre.Console;
using System.CommandLine;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm bench</c>: training-step speed of the reference U-Net at several widths (see docs/BENCHMARKS.md).</summary>
internal sealed class BenchCommand : Command
{
    private readonly Option<string?> _config = new("--config") { HelpName = "FILE", Description = "Model/diffusion settings to time. Default: the reference U-Net (the model defaults, as in configs/sysu/base.json)." };
    private readonly Option<string> _dims = new("--dims") { HelpName = "LIST", Description = "Comma-separated model widths.", DefaultValueFactory = _ => "64,96,128" };
    private readonly Option<int?> _batch = new("--batch") { HelpName = "B", Description = "Batch size. Default: 8 on the CPU, 64 on CUDA." };
    private readonly Option<int> _imageSize = new("--image-size") { HelpName = "PX", Description = "Image side.", DefaultValueFactory = _ => 64 };
    private readonly Option<int> _warmup = new("--warmup") { HelpName = "N", Description = "Untimed steps first.", DefaultValueFactory = _ => 2 };
    private readonly Option<int> _repeats = new("--repeats") { HelpName = "N", Description = "Timed steps; the median is reported.", DefaultValueFactory = _ => 5 };
    private readonly Option<string> _device = new("--device") { HelpName = "cpu|cuda|auto", Description = "Where to run.", DefaultValueFactory = _ => "auto" };

    public BenchCommand(CancellationToken stop)
        : base("bench", "Time training steps of the reference U-Net (dims 64/96/128) on this machine; see docs/BENCHMARKS.md.")
    {
        foreach (var option in new Option[] { _config, _dims, _batch, _imageSize, _warmup, _repeats, _device }) Add(option);
        SetAction(parse => Execute(new BenchSettings(parse.GetValue(_config), parse.GetValue(_dims)!, parse.GetValue(_batch), parse.GetValue(_imageSize),
            parse.GetValue(_warmup), parse.GetValue(_repeats), parse.GetValue(_device)!), stop));
    }

    private static int Execute(BenchSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Warmup < 0 || settings.Repeats < 1) throw new UsageException("--warmup must be ≥ 0 and --repeats ≥ 1.");
        int[] dims = ParseDims(settings.Dims);
        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(settings.Device));
        int batch = settings.Batch ?? (device.type == DeviceType.CUDA ? 64 : 8);
        var baseConfig = ConfigLoader.Load(settings.Config, [$"data.image_size={settings.ImageSize}", $"training.batch_size={batch}"]);

        AnsiConsole.MarkupLine($"device {device.type.ToString().ToLowerInvariant()}, {get_num_threads()} threads, batch {batch}, {settings.ImageSize}×{settings.ImageSize}, " +
                               $"warm-up {settings.Warmup}, median of {settings.Repeats}");
        var table = new Table().AddColumns("dim", "parameters", "ms/step (median)", "ms/step (min)", "images/s", "peak RSS MiB");
        foreach (int dim in dims)
        {
            if (cancellationToken.IsCancellationRequested) break;
            var config = baseConfig with { Model = baseConfig.Model with { Dim = dim } };
            var r = StepBenchmark.Measure(config, device, settings.Warmup, settings.Repeats);
            table.AddRow(dim.ToString(CultureInfo.InvariantCulture), r.Parameters.ToString("N0", CultureInfo.InvariantCulture),
                r.MedianMs.ToString("F1", CultureInfo.InvariantCulture), r.MinMs.ToString("F1", CultureInfo.InvariantCulture),
                r.ImagesPerSecond.ToString("F2", CultureInfo.InvariantCulture), (r.PeakRssBytes / (1024.0 * 1024)).ToString("F0", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static int[] ParseDims(string text)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new UsageException($"--dims '{text}' must be comma-separated integers, e.g. 64,128.");
        }
    }
}

/// <summary>The options of <c>ddpm bench</c> after parsing.</summary>
internal sealed record BenchSettings(string? Config, string Dims, int? Batch, int ImageSize, int Warmup, int Repeats, string Device);
