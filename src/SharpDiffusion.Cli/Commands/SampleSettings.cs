using System.ComponentModel;
using Spectre.Console.Cli;

namespace SharpDiffusion.Cli.Commands;

internal sealed class SampleSettings : CommandSettings
{
    [CommandOption("--run <DIR>")]
    [Description("Run folder written by ddpm train.")]
    public string? Run { get; init; }

    [CommandOption("--checkpoint <FILE>")]
    [Description("Checkpoint to sample from. Default: the run's latest.")]
    public string? Checkpoint { get; init; }

    [CommandOption("--n <N>")]
    [Description("Number of images. Default: 64.")]
    public int N { get; init; } = 64;

    [CommandOption("--sampler <NAME>")]
    [Description("ddpm, ddim or dpm-solver++. Default: ddim.")]
    public string Sampler { get; init; } = "ddim";

    [CommandOption("--steps <N>")]
    [Description("Network evaluations (timesteps). Default: 50, or T for ddpm.")]
    public int? Steps { get; init; }

    [CommandOption("--eta <ETA>")]
    [Description("DDIM stochasticity η (0 = deterministic). Default: 0.")]
    public double Eta { get; init; }

    [CommandOption("--seed <S>")]
    [Description("Seed; image i depends only on (seed, i). Default: 0.")]
    public long Seed { get; init; }

    [CommandOption("--class <NAME>")]
    [Description("Class to generate (class-conditional runs only).")]
    public string? Class { get; init; }

    [CommandOption("--guidance <W>")]
    [Description("Classifier-free guidance weight w (with --class). Default: 0.")]
    public double Guidance { get; init; }

    [CommandOption("--batch <B>")]
    [Description("Images per forward pass. Default: 64.")]
    public int Batch { get; init; } = 64;

    [CommandOption("--device <DEVICE>")]
    [Description("cpu, cuda or auto. Default: auto.")]
    public string Device { get; init; } = "auto";

    [CommandOption("--raw-weights")]
    [Description("Use the trained weights instead of the EMA weights.")]
    public bool RawWeights { get; init; }

    [CommandOption("--out <FILE>")]
    [Description("Grid PNG to write. Default: <run>/samples/sample-<step>-<sampler><steps>.png.")]
    public string? Out { get; init; }

    [CommandOption("--out-dir <DIR>")]
    [Description("Write one PNG per image into DIR instead of a grid.")]
    public string? OutDir { get; init; }
}
