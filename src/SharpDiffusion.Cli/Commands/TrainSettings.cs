using System.ComponentModel;
using Spectre.Console.Cli;

namespace SharpDiffusion.Cli.Commands;

internal sealed class TrainSettings : CommandSettings
{
    [CommandOption("--config <FILE>")]
    [Description("Config JSON (may 'extends' another). Default: the built-in demo (configs/demo.json).")]
    public string? Config { get; init; }

    [CommandOption("--data <DIR>")]
    [Description("Image folder (class subfolders or SYSU-Shapes layout) or Fashion-MNIST folder; sets data.path.")]
    public string? Data { get; init; }

    [CommandOption("--out <DIR>")]
    [Description("Run folder. Default: runs/<name>.")]
    public string? Out { get; init; }

    [CommandOption("--steps <N>")]
    [Description("Total optimizer steps; sets training.steps.")]
    public int? Steps { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("cpu, cuda or auto; sets training.device.")]
    public string? Device { get; init; }

    [CommandOption("--resume")]
    [Description("Continue the run in --out from its latest checkpoint (its config.json is used unless --config is given).")]
    public bool Resume { get; init; }

    [CommandOption("--set <KEY=VALUE>")]
    [Description("Override one config value, e.g. --set training.lr=2e-5 (repeatable).")]
    public string[] Set { get; init; } = [];

    [CommandOption("--cache <DIR>")]
    [Description("Where decoded datasets are cached. Default: $XDG_CACHE_HOME/sharpdiffusion or ~/.cache/sharpdiffusion.")]
    public string? Cache { get; init; }

    [CommandOption("--dry-run")]
    [Description("Print the resolved config and parameter counts (dim 64/96/128 at 64×64), then stop.")]
    public bool DryRun { get; init; }
}
