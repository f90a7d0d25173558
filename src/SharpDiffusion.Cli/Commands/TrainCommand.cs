using System.CommandLine;
using SharpDiffusion.Runtime;

namespace SharpDiffusion.Cli.Commands;

internal sealed class TrainCommand : Command
{
    private readonly Option<string?> _config = new("--config") { HelpName = "FILE", Description = "Config JSON (may 'extends' another). Default: the built-in demo (configs/demo.json)." };
    private readonly Option<string?> _data = new("--data") { HelpName = "DIR", Description = "Image folder (class subfolders or SYSU-Shapes layout) or Fashion-MNIST folder; sets data.path." };
    private readonly Option<string?> _out = new("--out") { HelpName = "DIR", Description = "Run folder. Default: runs/<name>." };
    private readonly Option<int?> _steps = new("--steps") { HelpName = "N", Description = "Total optimizer steps; sets training.steps." };
    private readonly Option<string?> _device = new("--device") { Description = "Sets training.device." };
    private readonly Option<string?> _resume = new("--resume")
    {
        HelpName = "latest|FILE", Arity = ArgumentArity.ZeroOrOne,
        Description = "Continue the run in --out from its latest checkpoint (--resume alone or 'latest'; its config.json is used unless --config is given) " +
                      "or from a checkpoint FILE: one of that run's (--out defaults to it; later checkpoints are never overwritten) or any run's, into an empty --out.",
    };
    private readonly Option<string[]> _set = new("--set") { HelpName = "KEY=VALUE", Description = "Override one config value, e.g. --set training.lr=2e-5 (repeatable)." };
    private readonly Option<string?> _cache = new("--cache") { HelpName = "DIR", Description = "Where decoded datasets are cached. Default: $XDG_CACHE_HOME/sharpdiffusion or ~/.cache/sharpdiffusion." };
    private readonly Option<bool> _dryRun = new("--dry-run") { Description = "Print the resolved config and parameter counts (dim 64/96/128 at 64×64), then stop." };

    public TrainCommand(CancellationToken stop)
        : base("train", "Train a DDPM (no options: the built-in synthetic-shapes demo into runs/demo).")
    {
        foreach (var option in new Option[] { _config, _data, _out, _steps, _device, _resume, _set, _cache, _dryRun }) Add(option);
        Choices.Restrict(_device, NativeRuntime.DeviceNames);
        SetAction(parse => Execute(new TrainSettings
        {
            Config = parse.GetValue(_config), Data = parse.GetValue(_data), Out = parse.GetValue(_out), Steps = parse.GetValue(_steps),
            Device = parse.GetValue(_device), Resume = parse.GetResult(_resume) is not null, ResumeFrom = ResumeFile(parse.GetValue(_resume)), Set = parse.GetValue(_set) ?? [], Cache = parse.GetValue(_cache),
            DryRun = parse.GetValue(_dryRun),
        }, stop));
    }

    /// <summary>The checkpoint file named by --resume, or null for the run's latest.</summary>
    private static string? ResumeFile(string? value) => value is null || value == LatestCheckpoint ? null : value;

    private const string LatestCheckpoint = "latest";

    private static int Execute(TrainSettings settings, CancellationToken cancellationToken) =>
        TrainingSession.Run(settings, cancellationToken) is { Interrupted: true } ? CliErrors.Interrupted : 0;
}
