using System.Globalization;
using SharpDiffusion.Config;
using SharpDiffusion.Latent;
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
    private readonly Option<int?> _imageSize = new("--image-size") { HelpName = "PX", Description = "Image side. Default 64; with --cascade the upscaler's input size." };
    private readonly Option<int> _warmup = new("--warmup") { HelpName = "N", Description = "Untimed steps first.", DefaultValueFactory = _ => 2 };
    private readonly Option<int> _repeats = new("--repeats") { HelpName = "N", Description = "Timed steps; the median is reported.", DefaultValueFactory = _ => 5 };
    private readonly Option<string> _device = new("--device") { Description = "Where to run.", DefaultValueFactory = _ => "auto" };
    private readonly Option<string> _precision = new("--precision") { HelpName = "LIST", Description = "Comma-separated precisions of forward/backward: fp32, bf16 (bf16 keeps fp32 master weights).", DefaultValueFactory = _ => "fp32" };
    private readonly Option<string> _optimizer = new("--optimizer") { HelpName = "LIST", Description = "Comma-separated optimizers: fused-adam, fused-adamw, adam, adamw.", DefaultValueFactory = _ => "fused-adam" };
    private readonly Option<bool> _profile = new("--profile") { Description = "Also time each phase (forward+loss, backward, clip, optimizer, EMA) with a device sync after each." };
    private readonly Option<int> _sampleBatch = new("--sample-batch") { HelpName = "B", Description = "Also time DDIM-50 sampling (fp32) of one batch of B images per dim; 0 = off.", DefaultValueFactory = _ => 0 };
    private readonly Option<string?> _cascade = new("--cascade") { HelpName = "FILE", Description = "A super-resolution config (e.g. configs/sysu/sr-128.json): instead of timing, print the model FLOPs per generated image of the cascade --config → FILE against one U-Net of --config at FILE's output size, per width." };
    private readonly Option<string> _cascadeSteps = new("--cascade-steps") { HelpName = "B,S", Description = "With --cascade: sampler steps of the base and of the upscaler (the single U-Net takes the base's).", DefaultValueFactory = _ => "250,250" };
    private readonly Option<double?> _peakTflops = new("--peak-tflops") { HelpName = "TFLOPS", Description = "The device's peak dense TFLOP/s for the precision (e.g. H100 SXM bf16: 989); adds an MFU column." };

    public BenchCommand(CancellationToken stop)
        : base("bench", "Time training steps of the reference U-Net (dims 64/96/128) on this machine; see docs/BENCHMARKS.md.")
    {
        foreach (var option in new Option[] { _config, _dims, _batch, _imageSize, _warmup, _repeats, _device, _precision, _optimizer, _profile, _peakTflops, _sampleBatch, _cascade, _cascadeSteps }) Add(option);
        Choices.Restrict(_device, NativeRuntime.DeviceNames);
        SetAction(parse => Execute(new BenchSettings(parse.GetValue(_config), parse.GetValue(_dims)!, parse.GetValue(_batch), parse.GetValue(_imageSize),
            parse.GetValue(_warmup), parse.GetValue(_repeats), parse.GetValue(_device)!, parse.GetValue(_precision)!, parse.GetValue(_optimizer)!,
            parse.GetValue(_profile), parse.GetValue(_peakTflops), parse.GetValue(_sampleBatch), parse.GetValue(_cascade), parse.GetValue(_cascadeSteps)!), stop));
    }

    private static int Execute(BenchSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Warmup < 0 || settings.Repeats < 1) throw new UsageException("--warmup must be ≥ 0 and --repeats ≥ 1.");
        if (settings.PeakTflops is <= 0) throw new UsageException("--peak-tflops must be positive.");
        if (settings.SampleBatch < 0) throw new UsageException("--sample-batch must be 0 (off) or positive.");
        int[] dims = ParseDims(settings.Dims);
        if (settings.Cascade is not null) return PrintCascadeFlops(settings, dims);
        var precisions = ParseList<Precision>(settings.Precision, "--precision", "fp32,bf16");
        var optimizers = ParseList<OptimizerKind>(settings.Optimizer, "--optimizer", "fused-adam,adam");
        if (precisions.Contains(Precision.Bf16) && optimizers.Any(o => o is OptimizerKind.Adam or OptimizerKind.Adamw))
            throw new UsageException("--precision bf16 needs a fused optimizer (fused-adam or fused-adamw).");
        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(settings.Device));
        if (device.type == DeviceType.CUDA) DeviceSync.EnableTf32(); // fp32 matmuls/convolutions on tensor cores, as PyTorch's reference does
        int batch = settings.Batch ?? (device.type == DeviceType.CUDA ? 64 : 8);
        var baseConfig = LatentShapeOnly(ClassCount.WithoutData(
            ConfigLoader.Load(settings.Config, [$"data.image_size={settings.ImageSize ?? DefaultImageSize}", $"training.batch_size={batch}"]), out _));

        AnsiConsole.MarkupLine($"device {device.type.ToString().ToLowerInvariant()}, {get_num_threads()} threads, batch {batch}, {baseConfig.Data.ImageSize}×{baseConfig.Data.ImageSize}, " +
                               $"warm-up {settings.Warmup}, median of {settings.Repeats}" + (device.type == DeviceType.CUDA ? ", TF32 on" : ""));
        var columns = new List<string> { "dim", "parameters", "precision", "optimizer", "ms/step (median)", "ms/step (min)", "images/s", "model TFLOP/s" };
        if (settings.PeakTflops is not null) columns.Add("MFU");
        columns.Add("peak RSS MiB");
        var table = new StreamingTable(columns);
        var profileRows = new List<string[]>();
        foreach (int dim in dims)
        {
            foreach (var precision in precisions)
            foreach (var optimizer in optimizers)
            {
                if (cancellationToken.IsCancellationRequested) break;
                var config = baseConfig with
                {
                    Model = baseConfig.Model with { Dim = dim },
                    Training = baseConfig.Training with { Precision = precision, Optimizer = optimizer },
                };
                var r = StepBenchmark.Measure(config, device, settings.Warmup, settings.Repeats, settings.Profile);
                var row = new List<string>
                {
                    dim.ToString(CultureInfo.InvariantCulture), r.Parameters.ToString("N0", CultureInfo.InvariantCulture), Kebab(precision), Kebab(optimizer),
                    F(r.MedianMs, "F1"), F(r.MinMs, "F1"), F(r.ImagesPerSecond, "F2"), F(r.FlopsPerSecond / 1e12, "F3"),
                };
                if (settings.PeakTflops is double peak) row.Add(F(100 * r.FlopsPerSecond / 1e12 / peak, "F1") + "%");
                row.Add(F(r.PeakRssBytes / (1024.0 * 1024), "F0"));
                table.Add(row);
                if (r.PhaseMs is not null)
                    profileRows.Add([dim.ToString(CultureInfo.InvariantCulture), Kebab(precision), Kebab(optimizer), .. StepPhases.All.Select(p => r.PhaseMs.TryGetValue(p, out double ms) ? F(ms, "F2") : "–")]);
            }
        }
        if (settings.Profile)
        {
            Console.WriteLine("per phase (median; a device sync after each phase):");
            var profileTable = new StreamingTable(["dim", "precision", "optimizer", .. StepPhases.All.Select(p => $"{p} ms")]);
            foreach (var row in profileRows) profileTable.Add(row);
        }
        var sampleTable = new StreamingTable(["dim", "sampler", "batch", "images/s", "s/batch"]);
        foreach (int dim in settings.SampleBatch > 0 ? dims : [])
        {
            if (cancellationToken.IsCancellationRequested) break;
            var (imagesPerSecond, seconds) = SamplingBenchmark.Measure(baseConfig with { Model = baseConfig.Model with { Dim = dim } }, device, settings.SampleBatch);
            sampleTable.Add([dim.ToString(CultureInfo.InvariantCulture), "ddim-50 fp32", settings.SampleBatch.ToString(CultureInfo.InvariantCulture), F(imagesPerSecond, "F1"), F(seconds, "F2")]);
        }
        return 0;
    }

    /// <summary>
    /// <c>--cascade</c>: model GFLOPs per sampling step and per image of base → upscaler against one U-Net at the output
    /// size, per width (counted on the CPU with one forward each; nothing is timed).
    /// </summary>
    private static int PrintCascadeFlops(BenchSettings settings, int[] dims)
    {
        var steps = settings.CascadeSteps.Split(',', StringSplitOptions.TrimEntries);
        if (steps.Length != 2 || !int.TryParse(steps[0], CultureInfo.InvariantCulture, out int baseSteps) || !int.TryParse(steps[1], CultureInfo.InvariantCulture, out int upscalerSteps)
            || baseSteps < 1 || upscalerSteps < 1)
            throw new UsageException($"--cascade-steps '{settings.CascadeSteps}' must be two positive step counts, base then upscaler, e.g. 250,250.");
        // The count depends on the networks only, so configs whose data folder is not on this machine are read as synthetic.
        string[] noData = ["data.source=synthetic"];
        var upscaler = ClassCount.WithoutData(ConfigLoader.Load(settings.Cascade, noData), out _);
        int input = upscaler.Model.SuperResolution?.InputSize
            ?? throw new UsageException($"--cascade {settings.Cascade} is not a super-resolution config; pass one with model.super_resolution (e.g. configs/sysu/sr-128.json).");
        if (settings.ImageSize is int size && size != input)
            throw new UsageException($"--image-size {size} differs from the upscaler's input size {input}; leave it out with --cascade (the base runs at the upscaler's input size).");
        var baseConfig = ClassCount.WithoutData(ConfigLoader.Load(settings.Config, [.. noData, $"data.image_size={input}"]), out _);
        NativeRuntime.Initialize(NativeRuntime.ParseDevice("cpu"));

        int output = upscaler.Data.ImageSize;
        Console.WriteLine($"model FLOPs (forward, one network evaluation per sampling step) of {input}×{input} base → {input}→{output} upscaler against one {output}×{output} U-Net of the base's config");
        var table = new StreamingTable(["dim", "base GFLOP/step", "SR GFLOP/step", $"single {output}² GFLOP/step", $"cascade GFLOP/image ({baseSteps}+{upscalerSteps} steps)",
            $"single GFLOP/image ({baseSteps} steps)", "cascade / single"]);
        foreach (int dim in dims)
        {
            var r = CascadeFlops.Count(baseConfig with { Model = baseConfig.Model with { Dim = dim } }, upscaler with { Model = upscaler.Model with { Dim = dim } }, baseSteps, upscalerSteps);
            table.Add([dim.ToString(CultureInfo.InvariantCulture), F(r.BasePerStep / 1e9, "F2"), F(r.UpscalerPerStep / 1e9, "F2"), F(r.SinglePerStep / 1e9, "F2"),
                F(r.CascadePerImage / 1e9, "F0"), F(r.SinglePerImage / 1e9, "F0"), F(r.CascadePerImage / r.SinglePerImage, "F3")]);
        }
        return 0;
    }

    private const int DefaultImageSize = 64;

    /// <summary>A latent config's U-Net shape: as given (--set model.latent.factor=4 --set model.latent.latent_channels=4 times it without an autoencoder), else from its autoencoder.</summary>
    private static RunConfig LatentShapeOnly(RunConfig config) =>
        config.Model.Latent is null or { Factor: not null, LatentChannels: not null } ? config : LatentSetup.Resolve(config, config.Data.Channels, config.Data.ImageSize);

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Kebab<T>(T value) where T : struct, Enum => System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    /// <summary>Parses a comma-separated list of enum values in their config spelling (kebab case).</summary>
    private static T[] ParseList<T>(string text, string option, string example) where T : struct, Enum
    {
        var byName = Enum.GetValues<T>().ToDictionary(Kebab, v => v);
        var items = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (items.Length == 0) throw new UsageException($"{option} is empty; give e.g. {example}.");
        return items.Select(i => byName.TryGetValue(i.ToLowerInvariant(), out var v) ? v
            : throw new UsageException($"{option}: unknown value '{i}'; use {string.Join(", ", byName.Keys)}.")).ToArray();
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
internal sealed record BenchSettings(string? Config, string Dims, int? Batch, int? ImageSize, int Warmup, int Repeats, string Device,
    string Precision, string Optimizer, bool Profile, double? PeakTflops, int SampleBatch, string? Cascade = null, string CascadeSteps = "250,250");
