using System.CommandLine;
using SharpDiffusion.Runtime;
using SharpDiffusion.Experiments;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm sweep</c>: trains every config into &lt;out&gt;/&lt;name&gt; in turn, skipping finished runs and resuming interrupted ones.</summary>
internal sealed class SweepCommand : Command
{
    private readonly Option<string[]> _configs = new("--configs") { HelpName = "FILE", Description = "Config files, one run each (e.g. configs/sysu/*.json).", Required = true, AllowMultipleArgumentsPerToken = true };
    private readonly Option<string?> _data = new("--data") { HelpName = "DIR", Description = "Image folder for every config; sets data.path." };
    private readonly Option<string> _out = new("--out") { HelpName = "DIR", Description = "Folder of run folders: each config trains into <out>/<its name>.", DefaultValueFactory = _ => "runs" };
    private readonly Option<string?> _device = new("--device") { Description = "Sets training.device for every config." };
    private readonly Option<string[]> _set = new("--set") { HelpName = "KEY=VALUE", Description = "Override one value in every config (repeatable)." };
    private readonly Option<string?> _cache = new("--cache") { HelpName = "DIR", Description = "Where decoded datasets are cached (as for train)." };
    private readonly Option<bool> _eval = new("--eval") { Description = "After training, evaluate every checkpoint of each run (ddpm eval --checkpoints all, reference protocol)." };
    private readonly Option<string?> _inceptionWeights = new("--inception-weights") { HelpName = "FILE", Description = "With --eval: pytorch-fid Inception weights for FID/IS (else FD-ResNet18)." };

    public SweepCommand(CancellationToken stop)
        : base("sweep", "Train every config in turn into <out>/<name>: finished runs are skipped, interrupted ones resumed.")
    {
        foreach (var option in new Option[] { _configs, _data, _out, _device, _set, _cache, _eval, _inceptionWeights }) Add(option);
        Choices.Restrict(_device, NativeRuntime.DeviceNames);
        SetAction(parse => Execute(new SweepSettings
        {
            Configs = parse.GetValue(_configs) ?? [], Out = parse.GetValue(_out) ?? "runs", Data = parse.GetValue(_data),
            Device = parse.GetValue(_device), Set = parse.GetValue(_set) ?? [], Cache = parse.GetValue(_cache),
            AfterTraining = parse.GetValue(_eval)
                ? [new SweepEvalStage(parse.GetValue(_device), parse.GetValue(_data), null, parse.GetValue(_inceptionWeights))]
                : [],
        }, stop));
    }

    private static int Execute(SweepSettings settings, CancellationToken stop)
    {
        var shared = new TrainSettings { Data = settings.Data, Device = settings.Device, Set = settings.Set, Cache = settings.Cache };
        var runs = Plan(settings.Configs, settings.Out, shared);
        var states = runs.Select(r => RunProgress.Of(r.Run, r.Config.Training.Steps)).ToList();
        PrintPlan(runs, states);

        for (int i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            if (states[i] == RunState.Finished)
            {
                AnsiConsole.MarkupLine($"[grey]{Markup.Escape(run.Name)}: finished, skipped[/]");
            }
            else
            {
                AnsiConsole.MarkupLine($"[bold]== {Markup.Escape(run.Name)}[/] ({i + 1}/{runs.Count})");
                var result = TrainingSession.Run(shared with { Config = run.ConfigPath, Out = run.Run.Root, Resume = states[i] == RunState.Interrupted }, stop);
                if (result is null || result.Interrupted || stop.IsCancellationRequested)
                {
                    AnsiConsole.MarkupLine("[yellow]sweep stopped[/]; run the same command again to continue (finished runs are skipped).");
                    return CliErrors.Interrupted;
                }
            }
            foreach (var stage in settings.AfterTraining)
            {
                AnsiConsole.MarkupLine($"{Markup.Escape(run.Name)}: {Markup.Escape(stage.Name)}");
                stage.Run(run, stop);
            }
        }
        AnsiConsole.MarkupLine($"[green]sweep done[/]: {runs.Count} run(s) in {Markup.Escape(Path.GetFullPath(settings.Out))}");
        return 0;
    }

    /// <summary>The sweep's runs, each config resolved exactly as <c>ddpm train --config FILE</c> with the same flags would.</summary>
    internal static IReadOnlyList<SweepRun> Plan(IReadOnlyList<string> configs, string outRoot, TrainSettings shared) =>
        SweepPlan.Create(configs, outRoot, path => RunConfigResolver.Resolve(shared with { Config = path }, resumeRun: null));

    private static void PrintPlan(IReadOnlyList<SweepRun> runs, List<RunState> states)
    {
        var table = new Table().AddColumns("run", "config", "steps", "state");
        for (int i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            string state = states[i] switch
            {
                RunState.New => "new",
                RunState.Interrupted => RunProgress.LatestStep(run.Run) is int step ? $"resume from step {step}" : "resume (no checkpoint yet)",
                _ => "finished: skip",
            };
            table.AddRow(Markup.Escape(run.Name), Markup.Escape(run.ConfigPath), run.Config.Training.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture), state);
        }
        AnsiConsole.Write(table);
    }
}
