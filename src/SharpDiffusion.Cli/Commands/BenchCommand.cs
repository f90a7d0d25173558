using System.Globalization;
using SharpDiffusion.Config;
using SharpDiffusion.Runtime;
using SharpDiffusion.Training;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm bench</c>: training-step speed of the reference U-Net at several widths (see docs/BENCHMARKS.md).</summary>
internal sealed class BenchCommand : Command<BenchSettings>
{
    protected override int Execute(CommandContext context, BenchSettings settings, CancellationToken cancellationToken)
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
