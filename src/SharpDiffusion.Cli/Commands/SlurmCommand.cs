using System.CommandLine;
using SharpDiffusion.Cluster;
using SharpDiffusion.Training;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm slurm</c>: writes an sbatch job array (one task per config) and a dependent evaluation job, and prints how to submit them.</summary>
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

    public SlurmCommand()
        : base("slurm", "Write a SLURM job array (one task per config) plus a dependent evaluation job, and print the sbatch commands.")
    {
        foreach (var option in new Option[] { _configs, _data, _out, _set, _partition, _gres, _time, _account, _mem, _cpus, _setup, _write, _jobName, _tool, _evalCommand }) Add(option);
        SetAction(parse =>
        {
            var options = new SlurmJobOptions
            {
                JobName = parse.GetValue(_jobName) ?? "ddpm", Partition = parse.GetValue(_partition), Gres = parse.GetValue(_gres), Time = parse.GetValue(_time),
                Account = parse.GetValue(_account), Mem = parse.GetValue(_mem), CpusPerTask = parse.GetValue(_cpus), SetupLines = parse.GetValue(_setup) ?? [],
            };
            return Execute(parse.GetValue(_configs) ?? [], parse.GetValue(_out) ?? "runs", parse.GetValue(_data), parse.GetValue(_set) ?? [],
                parse.GetValue(_write), parse.GetValue(_tool), parse.GetValue(_evalCommand) ?? SlurmScripts.DefaultEvalCommand, options);
        });
    }

    private static int Execute(string[] configs, string outRoot, string? data, string[] sets, string? write, string? tool, string evalCommand, SlurmJobOptions options)
    {
        options.Validate();
        string outDir = Path.GetFullPath(outRoot);
        // Paths are made absolute: jobs start in the submission folder, but the scripts should not depend on that.
        string? dataDir = data is null ? null : Path.GetFullPath(data);
        var runs = SweepCommand.Plan(configs, outDir, new TrainSettings { Data = dataDir, Set = sets });
        string scriptDir = Path.GetFullPath(write ?? Path.Combine(outDir, "slurm"));
        var plan = new SlurmJobPlan(runs, outDir, ToolCommand(tool), dataDir, sets, Path.Combine(scriptDir, "logs"), evalCommand);

        string arrayScript = SlurmScripts.TrainArray(plan, options);
        string evalScript = SlurmScripts.Evaluation(plan, options);
        string arrayPath = Path.Combine(scriptDir, SlurmScripts.ArrayScriptName);
        string evalPath = Path.Combine(scriptDir, SlurmScripts.EvalScriptName);
        string submitPath = Path.Combine(scriptDir, SlurmScripts.SubmitScriptName);
        var submit = SlurmScripts.SubmitCommands(arrayPath, evalPath);

        Directory.CreateDirectory(plan.LogDir); // sbatch does not create the folder of --output
        AtomicFile.WriteAllText(arrayPath, arrayScript);
        AtomicFile.WriteAllText(evalPath, evalScript);
        AtomicFile.WriteAllText(submitPath, "#!/bin/bash\n# Submits the training array, then the evaluation job that waits for all of it.\nset -euo pipefail\n"
            + string.Join('\n', submit) + "\necho \"submitted array $array_id\"\n");

        AnsiConsole.MarkupLine($"wrote {Markup.Escape(arrayPath)} ({runs.Count} task(s): {Markup.Escape(string.Join(", ", runs.Select(r => r.Name)))})");
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(evalPath)} (after the array: ddpm {Markup.Escape(evalCommand)} for each run)");
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
