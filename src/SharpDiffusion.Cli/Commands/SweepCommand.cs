using System.CommandLine;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Runtime;
using SharpDiffusion.Experiments;
using SharpDiffusion.Training;
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
    private readonly Option<bool> _eval = new("--eval") { Description = "After training, evaluate each run as ddpm eval does: by default every checkpoint with the reference protocol (2,500 samples, 250 steps of the run's own sampler, every metric, against the training images); ddpm eval's --n, --sampler, --steps, … change that as --eval-n, --eval-sampler, --eval-steps, …, for every run." };
    private readonly EvalProtocolOptions _protocol = new("--eval-", checkpoints: "all", help: "With --eval. ");
    private readonly FeaturesExtractorOptions _extractor = new("With --eval. ");
    private readonly Option<string?> _then = new("--then") { HelpName = "FILE", Description = "A super-resolution config trained after every run; with --eval, each run's latest checkpoint is then evaluated as the base of the cascade (ddpm eval --upscale; the --eval-… options apply to it, except --eval-checkpoints)." };

    public SweepCommand(CancellationToken stop)
        : base("sweep", "Train every config in turn into <out>/<name>: finished runs are skipped, interrupted ones resumed.")
    {
        foreach (var option in new Option[] { _configs, _data, _out, _device, _set, _cache, _eval }.Concat(_protocol.All).Concat(_extractor.All).Append(_then)) Add(option);
        Choices.Restrict(_device, NativeRuntime.DeviceNames);
        SetAction(parse => Execute(Settings(parse), stop));
    }

    /// <summary>The parsed options; the evaluation's are checked here (before any config is loaded) and refused without --eval.</summary>
    internal SweepSettings Settings(ParseResult parse)
    {
        bool eval = parse.GetValue(_eval);
        var given = _protocol.All.Concat(_extractor.All).Where(option => parse.GetResult(option) is { Implicit: false }).Select(option => option.Name).ToList();
        if (!eval && given.Count > 0)
            throw new UsageException($"{string.Join(", ", given)} {(given.Count == 1 ? "sets" : "set")} how the runs are evaluated, which only --eval does; add --eval or leave {(given.Count == 1 ? "it" : "them")} out.");
        var protocol = _protocol.Get(parse);
        string? extractor = parse.GetValue(_extractor.Extractor), weights = FeaturesExtractorOptions.WeightsOrEnvironment(parse.GetValue(_extractor.InceptionWeights));
        if (eval)
        {
            protocol.ThrowIfInvalid();
            FeatureExtractors.ThrowIfUnavailable(FeaturesExtractorOptions.Spec(extractor, weights), weights);
        }

        string? device = parse.GetValue(_device), data = parse.GetValue(_data);
        var evaluation = new EvalSettings(null, protocol, device ?? "auto", data, null, extractor, weights);
        return new SweepSettings
        {
            Configs = parse.GetValue(_configs) ?? [], Out = parse.GetValue(_out) ?? "runs", Data = data, Device = device, Set = parse.GetValue(_set) ?? [],
            Cache = parse.GetValue(_cache), Then = parse.GetValue(_then),
            AfterTraining = eval ? [new SweepEvalStage(evaluation)] : [],
            AfterUpscaler = upscaler => eval ? [new SweepCascadeEvalStage(upscaler, evaluation)] : [],
        };
    }

    private static int Execute(SweepSettings settings, CancellationToken stop)
    {
        var shared = new TrainSettings { Data = settings.Data, Device = settings.Device, Set = settings.Set, Cache = settings.Cache };
        var bases = Plan(settings.Configs, settings.Out, shared);
        // The upscaler is checked against every run before anything trains; it trains last, into the same out folder.
        var upscaler = settings.Then is null ? null : PlanUpscaler(settings.Then, settings.Out, shared, bases);
        var runs = upscaler is null ? bases : [.. bases, upscaler];
        var cascadeStages = upscaler is null ? [] : settings.AfterUpscaler(upscaler.Run.Root);
        // What would fail after training (an evaluation option a run cannot take) is refused before anything trains.
        foreach (var run in bases)
        foreach (var stage in settings.AfterTraining.Concat(cascadeStages)) stage.ThrowIfUnsuitable(run);
        var states = runs.Select(r => RunProgress.Of(r.Run, r.Config.Training.Steps)).ToList();
        PrintPlan(runs, states);

        for (int i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            if (!TrainOrSkip(run, states[i], $"({i + 1}/{runs.Count})", shared, stop)) return CliErrors.Interrupted;
            var stages = run == upscaler ? [] : settings.AfterTraining;
            foreach (var stage in stages)
                if (!RunStage(stage, run, stop)) return CliErrors.Interrupted;
        }
        foreach (var run in upscaler is null ? [] : bases)
        foreach (var stage in cascadeStages)
            if (!RunStage(stage, run, stop)) return CliErrors.Interrupted;
        AnsiConsole.MarkupLine($"[green]sweep done[/]: {runs.Count} run(s) in {Markup.Escape(Path.GetFullPath(settings.Out))}");
        return 0;
    }

    /// <summary>Trains (or resumes) a run unless it is finished; false when the sweep was stopped.</summary>
    private static bool TrainOrSkip(SweepRun run, RunState state, string position, TrainSettings shared, CancellationToken stop)
    {
        if (state == RunState.Finished)
        {
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(run.Name)}: finished, skipped[/]");
            return true;
        }
        AnsiConsole.MarkupLine($"[bold]== {Markup.Escape(run.Name)}[/] {position}");
        var result = TrainingSession.Run(shared with { Config = run.ConfigPath, Out = run.Run.Root, Resume = state == RunState.Interrupted }, stop);
        if (result is not null && !result.Interrupted && !stop.IsCancellationRequested) return true;
        AnsiConsole.MarkupLine("[yellow]sweep stopped[/]; run the same command again to continue (finished runs are skipped).");
        return false;
    }

    /// <summary>Runs a stage on a run; false when the sweep was stopped meanwhile (the stage keeps what it finished, as eval does).</summary>
    private static bool RunStage(ISweepStage stage, SweepRun run, CancellationToken stop)
    {
        AnsiConsole.MarkupLine($"{Markup.Escape(run.Name)}: {Markup.Escape(stage.Describe(run))}");
        stage.Run(run, stop);
        if (!stop.IsCancellationRequested) return true;
        AnsiConsole.MarkupLine("[yellow]sweep stopped[/]; run the same command again to continue (finished runs and evaluations are skipped).");
        return false;
    }

    /// <summary>
    /// The upscaler of <c>--then</c> as one more run in the same out folder, refused (one sentence) when it is not a
    /// super-resolution config, when its input size is not every run's output size, or when its folder is one of theirs.
    /// </summary>
    internal static SweepRun PlanUpscaler(string config, string outRoot, TrainSettings shared, IReadOnlyList<SweepRun> bases)
    {
        var upscaler = Plan([config], outRoot, shared).Single();
        foreach (var run in bases)
        {
            CascadeCheck.ThrowIfIncompatible(run.Config, $"--configs {run.ConfigPath}", upscaler.Config, $"--then {config}");
            if (run.Run.Root == upscaler.Run.Root)
                throw new UsageException($"--then {config} would train into {run.Run.Root}, the folder of --configs {run.ConfigPath}; give the upscaler's config another name.");
        }
        return upscaler;
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
