using System.Globalization;
using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Models;
using SharpDiffusion.Reporting.TensorBoard;
using SharpDiffusion.Runtime;
using SharpDiffusion.Training;
using Spectre.Console;
using System.CommandLine;

namespace SharpDiffusion.Cli.Commands;

internal sealed class TrainCommand : Command
{
    private readonly Option<string?> _config = new("--config") { HelpName = "FILE", Description = "Config JSON (may 'extends' another). Default: the built-in demo (configs/demo.json)." };
    private readonly Option<string?> _data = new("--data") { HelpName = "DIR", Description = "Image folder (class subfolders or SYSU-Shapes layout) or Fashion-MNIST folder; sets data.path." };
    private readonly Option<string?> _out = new("--out") { HelpName = "DIR", Description = "Run folder. Default: runs/<name>." };
    private readonly Option<int?> _steps = new("--steps") { HelpName = "N", Description = "Total optimizer steps; sets training.steps." };
    private readonly Option<string?> _device = new("--device") { HelpName = "cpu|cuda|auto", Description = "Sets training.device." };
    private readonly Option<bool> _resume = new("--resume") { Description = "Continue the run in --out from its latest checkpoint (its config.json is used unless --config is given)." };
    private readonly Option<string[]> _set = new("--set") { HelpName = "KEY=VALUE", Description = "Override one config value, e.g. --set training.lr=2e-5 (repeatable)." };
    private readonly Option<string?> _cache = new("--cache") { HelpName = "DIR", Description = "Where decoded datasets are cached. Default: $XDG_CACHE_HOME/sharpdiffusion or ~/.cache/sharpdiffusion." };
    private readonly Option<bool> _dryRun = new("--dry-run") { Description = "Print the resolved config and parameter counts (dim 64/96/128 at 64×64), then stop." };

    public TrainCommand(CancellationToken stop)
        : base("train", "Train a DDPM (no options: the built-in synthetic-shapes demo into runs/demo).")
    {
        foreach (var option in new Option[] { _config, _data, _out, _steps, _device, _resume, _set, _cache, _dryRun }) Add(option);
        SetAction(parse => Execute(new TrainSettings
        {
            Config = parse.GetValue(_config), Data = parse.GetValue(_data), Out = parse.GetValue(_out), Steps = parse.GetValue(_steps),
            Device = parse.GetValue(_device), Resume = parse.GetValue(_resume), Set = parse.GetValue(_set) ?? [], Cache = parse.GetValue(_cache),
            DryRun = parse.GetValue(_dryRun),
        }, stop));
    }

    private static int Execute(TrainSettings settings, CancellationToken cancellationToken)
    {
        var resumeRun = settings.Resume && settings.Out is not null ? new RunDirectory(settings.Out) : null;
        var config = RunConfigResolver.Resolve(settings, resumeRun);
        var run = new RunDirectory(settings.Out ?? Path.Combine("runs", config.Name));

        if (settings.DryRun)
        {
            DryRun.Print(config);
            return 0;
        }
        using var runLock = RunLock.Acquire(run);
        if (settings.Resume && !run.HasRunContent)
            throw new UsageException($"--resume: {run.Root} holds no run to continue; leave out --resume to start one there.");
        if (!settings.Resume && run.HasRunContent)
            throw new UsageException($"{run.Root} already holds a run; pass --resume to continue it or --out DIR to start a new one.");

        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(config.Training.Device));
        using var data = LoadData(config, settings.Cache);
        var trainer = new Trainer(config, data, run, device);
        AnsiConsole.MarkupLine($"training [bold]{Markup.Escape(config.Name)}[/] on {device.type.ToString().ToLowerInvariant()} → {Markup.Escape(run.Root)}");
        AnsiConsole.MarkupLine($"model: {ParameterCountText(config, data)} parameters; {config.Training.Steps} steps of batch {config.Training.BatchSize}");

        using var tensorBoard = TensorBoardWriter.Create(Path.Combine(run.Root, TensorBoardWriter.FolderName));
        TrainingTensorBoard.Attach(trainer, tensorBoard);
        var result = TrainingConsole.Run(trainer, settings.Resume, cancellationToken);
        string final = result.LastLoss is double loss ? loss.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
        AnsiConsole.MarkupLine(result.Interrupted
            ? $"[yellow]stopped[/] at step {result.FinalStep}; continue with: ddpm train --out {Markup.Escape(run.Root)} --resume"
            : $"[green]done[/]: step {result.FinalStep}, loss {final}; samples in {Markup.Escape(run.SamplesDir)}");
        return 0;
    }

    private static ImageDataset LoadData(RunConfig config, string? cacheDir)
    {
        ImageDataset data = null!;
        DataLoadReport report = null!;
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("loading data");
            var progress = new Progress<(int Done, int Total)>(p =>
            {
                task.MaxValue = Math.Max(p.Total, 1);
                task.Value = p.Done;
            });
            data = DatasetLoader.Load(config.Data, cacheDir ?? DefaultCacheDir(), out report, config.Seed, progress);
        });
        AnsiConsole.MarkupLine($"data: {Markup.Escape(report.Description)}{(report.FromCache ? " (cached)" : "")}");
        if (report.Skipped > 0)
            AnsiConsole.MarkupLine($"[yellow]warning:[/] skipped {report.Skipped} unreadable file(s), e.g. {Markup.Escape(string.Join(", ", report.SkippedExamples))}");
        return data;
    }

    private static string ParameterCountText(RunConfig config, ImageDataset data)
    {
        using var model = new UNet(config.Model with { NumClasses = config.Model.ClassConditional ? data.ClassNames.Count : 0 }, data.Channels, data.ImageSize);
        return ParameterCount.Of(model).ToString("N0", CultureInfo.InvariantCulture);
    }

    internal static string DefaultCacheDir()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
        return Path.Combine(root, "sharpdiffusion", "datasets");
    }
}
