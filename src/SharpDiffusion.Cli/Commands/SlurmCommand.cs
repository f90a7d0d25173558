using System.CommandLine;
using SharpDiffusion.Cluster;
using SharpDiffusion.Training;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// <c>ddpm slurm</c>: writes an sbatch job array (one task per config) and a dependent evaluation job — with <c>--then</c>
/// also an upscaler's training job after the array and a cascade evaluation after both — and prints how to submit them.
/// </summary>
internal sealed class SlurmCommand : Command
{
    private readonly Option<string[]> _configs = new("--configs") { HelpName = "FILE", Description = "Config files, one array task each.", Required = true, AllowMultipleArgumentsPerToken = true };
    private readonly Option<string?> _data = new("--data") { HelpName = "DIR", Description = "Image folder for every config (as seen from the compute nodes)." };
    private readonly Option<string> _out = new("--out") { HelpName = "DIR", Description = "Folder of run folders (shared with the compute nodes).", DefaultValueFactory = _ => "runs" };
    private readonly Option<string[]> _set = new("--set") { HelpName = "KEY=VALUE", Description = "Override one value in every config (repeatable), e.g. --set training.device=cuda." };
    private readonly Option<string?> _partition = new("--partition") { HelpName = "P", Description = "#SBATCH --partition." };
    private readonly Option<string?> _gres = new("--gres") { HelpName = "gpu:1", Description = "#SBATCH --gres, e.g. gpu:1." };
    private readonly Option<string?> _time = new("--time") { HelpName = "HH:MM:SS", Description = "#SBATCH --time per task; SIGTERM 120 s before it makes training checkpoint and stop." };
    private readonly Option<string?> _account = new("--account") { HelpName = "A", Description = "#SBATCH --account." };
    private readonly Option<string?> _mem = new("--mem") { HelpName = "M", Description = "#SBATCH --mem, e.g. 32G." };
    private readonly Option<int?> _cpus = new("--cpus") { HelpName = "N", Description = "#SBATCH --cpus-per-task." };
    private readonly Option<string[]> _setup = new("--setup-line") { HelpName = "LINE", Description = "Shell line run before ddpm in each job, e.g. \"module load cuda\" (repeatable)." };
    private readonly Option<string?> _write = new("--write") { HelpName = "DIR", Description = "Where the scripts and job logs go. Default: <out>/slurm." };
    private readonly Option<string> _jobName = new("--job-name") { HelpName = "NAME", Description = "Job name prefix (NAME-train, NAME-eval).", DefaultValueFactory = _ => "ddpm" };
    private readonly Option<string?> _tool = new("--ddpm") { HelpName = "PATH", Description = "The ddpm executable the jobs run (e.g. a `dotnet publish` output). Default: this build, via its dotnet host." };
    private readonly Option<string> _evalCommand = new("--eval-command") { HelpName = "ARGS", Description = "ddpm arguments the evaluation job runs per run folder, {run} = the folder.", DefaultValueFactory = _ => SlurmScripts.DefaultEvalCommand };
    private readonly Option<string?> _then = new("--then") { HelpName = "FILE", Description = "A super-resolution config (e.g. configs/sysu/sr-128.json): its training job runs after the array (afterok), then a cascade evaluation of every run with it after both." };
    private readonly Option<string> _cascadeEvalCommand = new("--cascade-eval-command") { HelpName = "ARGS", Description = "With --then: ddpm arguments the cascade evaluation runs per run folder, {run} = the base, {upscaler} = the upscaler's folder.", DefaultValueFactory = _ => SlurmScripts.DefaultCascadeEvalCommand };

    public SlurmCommand()
        : base("slurm", "Write a SLURM job array (one task per config) plus a dependent evaluation job, and print the sbatch commands.")
    {
        foreach (var option in new Option[] { _configs, _data, _out, _set, _partition, _gres, _time, _account, _mem, _cpus, _setup, _write, _jobName, _tool, _evalCommand, _then, _cascadeEvalCommand }) Add(option);
        SetAction(parse =>
        {
            var options = new SlurmJobOptions
            {
                JobName = parse.GetValue(_jobName) ?? "ddpm", Partition = parse.GetValue(_partition), Gres = parse.GetValue(_gres), Time = parse.GetValue(_time),
                Account = parse.GetValue(_account), Mem = parse.GetValue(_mem), CpusPerTask = parse.GetValue(_cpus), SetupLines = parse.GetValue(_setup) ?? [],
            };
            return Execute(parse.GetValue(_configs) ?? [], parse.GetValue(_out) ?? "runs", parse.GetValue(_data), parse.GetValue(_set) ?? [],
                parse.GetValue(_write), parse.GetValue(_tool), parse.GetValue(_evalCommand) ?? SlurmScripts.DefaultEvalCommand,
                parse.GetValue(_then), parse.GetValue(_cascadeEvalCommand) ?? SlurmScripts.DefaultCascadeEvalCommand, options);
        });
    }

    private static int Execute(string[] configs, string outRoot, string? data, string[] sets, string? write, string? tool, string evalCommand,
        string? then, string cascadeEvalCommand, SlurmJobOptions options)
    {
        options.Validate();
        string outDir = Path.GetFullPath(outRoot);
        // Paths are made absolute: jobs start in the submission folder, but the scripts should not depend on that.
        string? dataDir = data is null ? null : Path.GetFullPath(data);
        var shared = new TrainSettings { Data = dataDir, Set = sets };
        var runs = SweepCommand.Plan(configs, outDir, shared);
        var upscaler = then is null ? null : SweepCommand.PlanUpscaler(then, outDir, shared, runs);
        string scriptDir = Path.GetFullPath(write ?? Path.Combine(outDir, "slurm"));
        var plan = new SlurmJobPlan(runs, outDir, ToolCommand(tool), dataDir, sets, Path.Combine(scriptDir, "logs"), evalCommand, upscaler, cascadeEvalCommand);

        var scripts = new List<(string Path, string Text)>
        {
            (Path.Combine(scriptDir, SlurmScripts.ArrayScriptName), SlurmScripts.TrainArray(plan, options)),
            (Path.Combine(scriptDir, SlurmScripts.EvalScriptName), SlurmScripts.Evaluation(plan, options)),
        };
        if (upscaler is not null)
        {
            scripts.Add((Path.Combine(scriptDir, SlurmScripts.UpscalerScriptName), SlurmScripts.TrainUpscaler(plan, options)));
            scripts.Add((Path.Combine(scriptDir, SlurmScripts.CascadeEvalScriptName), SlurmScripts.CascadeEvaluation(plan, options)));
        }
        string submitPath = Path.Combine(scriptDir, SlurmScripts.SubmitScriptName);
        var submit = upscaler is null
            ? SlurmScripts.SubmitCommands(scripts[0].Path, scripts[1].Path)
            : SlurmScripts.SubmitCommands(scripts[0].Path, scripts[1].Path, scripts[2].Path, scripts[3].Path);

        Directory.CreateDirectory(plan.LogDir); // sbatch does not create the folder of --output
        foreach (var (path, text) in scripts) AtomicFile.WriteAllText(path, text);
        AtomicFile.WriteAllText(submitPath, "#!/bin/bash\n# Submits the training array, then the evaluation job that waits for all of it"
            + (upscaler is null ? "" : "; the upscaler after the array, and the cascade evaluation after both") + ".\nset -euo pipefail\n"
            + string.Join('\n', submit) + "\necho \"submitted array $array_id\"\n");

        AnsiConsole.MarkupLine($"wrote {Markup.Escape(scripts[0].Path)} ({runs.Count} task(s): {Markup.Escape(string.Join(", ", runs.Select(r => r.Name)))})");
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(scripts[1].Path)} (after the array: ddpm {Markup.Escape(evalCommand)} for each run)");
        if (upscaler is not null)
        {
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(scripts[2].Path)} (after the array: trains {Markup.Escape(upscaler.Name)})");
            AnsiConsole.MarkupLine($"wrote {Markup.Escape(scripts[3].Path)} (after both: ddpm {Markup.Escape(cascadeEvalCommand)} for each run)");
        }
        AnsiConsole.MarkupLine($"submit with [bold]bash {Markup.Escape(submitPath)}[/], or:");
        foreach (string line in submit) Console.WriteLine(line);
        return 0;
    }

    /// <summary>
    /// How jobs start the tool: an explicit executable, or this very build (the dotnet host and ddpm.dll by absolute path),
    /// which avoids the checkout's ./ddpm launcher rebuilding in several array tasks at once.
    /// </summary>
    private static IReadOnlyList<string> ToolCommand(string? tool)
    {
        if (tool is not null)
        {
            string path = Path.GetFullPath(tool);
            if (!File.Exists(path)) throw new UsageException($"--ddpm {tool}: no such file; pass the ddpm executable the jobs should run (e.g. the output of dotnet publish).");
            return [path];
        }
        string process = Environment.ProcessPath ?? throw new UsageException("cannot tell where this ddpm runs from; pass --ddpm PATH.");
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, Path.Combine(AppContext.BaseDirectory, "ddpm.dll")] : [process];
    }
}
