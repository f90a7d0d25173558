using System.ComponentModel;
using Spectre.Console.Cli;

namespace SharpDiffusion.Cli.Commands;

internal sealed class BenchSettings : CommandSettings
{
    [CommandOption("--config <FILE>")]
    [Description("Model/diffusion settings to time. Default: the reference U-Net (the model defaults, as in configs/sysu/base.json).")]
    public string? Config { get; init; }

    [CommandOption("--dims <LIST>")]
    [Description("Comma-separated model widths. Default: 64,96,128.")]
    public string Dims { get; init; } = "64,96,128";

    [CommandOption("--batch <B>")]
    [Description("Batch size. Default: 8 on the CPU, 64 on CUDA.")]
    public int? Batch { get; init; }

    [CommandOption("--image-size <PX>")]
    [Description("Image side. Default: 64.")]
    public int ImageSize { get; init; } = 64;

    [CommandOption("--warmup <N>")]
    [Description("Untimed steps first. Default: 2.")]
    public int Warmup { get; init; } = 2;

    [CommandOption("--repeats <N>")]
    [Description("Timed steps; the median is reported. Default: 5.")]
    public int Repeats { get; init; } = 5;

    [CommandOption("--device <DEVICE>")]
    [Description("cpu, cuda or auto. Default: auto.")]
    public string Device { get; init; } = "auto";
}
