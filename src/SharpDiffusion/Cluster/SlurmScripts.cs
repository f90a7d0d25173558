using System.Globalization;
using System.Text;

namespace SharpDiffusion.Cluster;

/// <summary>
/// Writes the text of the sbatch scripts of a study: a job array with one task per config (each task runs
/// <c>ddpm sweep</c> on its one config, so a resubmitted or requeued task resumes, and a finished one is skipped), and an
/// evaluation job meant to be submitted with <c>--dependency=afterok:&lt;array id&gt;</c>. With an upscaler (a cascade)
/// two more: its training job, submitted <c>afterok</c> on the array, and the cascade evaluation, <c>afterok</c> on both.
/// </summary>
public static class SlurmScripts
{
    public const string ArrayScriptName = "train-array.sbatch";
    public const string EvalScriptName = "evaluate.sbatch";
    public const string UpscalerScriptName = "train-upscaler.sbatch";
    public const string CascadeEvalScriptName = "evaluate-cascade.sbatch";
    public const string SubmitScriptName = "submit.sh";

    /// <summary>The per-run command of the cascade evaluation job: the base's latest checkpoint, upscaled, reference protocol.</summary>
    public const string DefaultCascadeEvalCommand = "eval --run {run} --upscale {upscaler}";

    public const string UpscalerPlaceholder = "{upscaler}";

    /// <summary>
    /// The per-run command of the evaluation job: every checkpoint with the reference protocol (Fréchet-distance/IS-versus-step curves).
    /// </summary>
    public const string DefaultEvalCommand = "eval --run {run} --checkpoints all";

    public const string RunPlaceholder = "{run}";

    public static string TrainArray(SlurmJobPlan plan, SlurmJobOptions options)
    {
        if (plan.Runs.Count == 0) throw new SlurmOptionException("no configs to submit; pass one or more files to --configs.");
        var s = new StringBuilder();
        Header(s, options, options.JobName + "-train", plan.LogDir, "%x-%A_%a.out");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --array=0-{plan.Runs.Count - 1}\n");
        // B: sends the signal to the batch shell, which exec has turned into ddpm itself; ddpm then checkpoints and exits.
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --signal=B:TERM@{options.StopSignalSeconds}\n");
        s.Append("#SBATCH --requeue\n");
        s.Append("# One task per config: `ddpm sweep` on that config starts, resumes or skips its run folder, so a task that hit its\n");
        s.Append("# time limit (SIGTERM above: checkpoint, then stop) continues where it stopped when resubmitted or requeued.\n");
        Body(s, options, plan.Tool);
        s.Append("case \"${SLURM_ARRAY_TASK_ID:?not started as an array task}\" in\n");
        for (int i = 0; i < plan.Runs.Count; i++)
        {
            var run = plan.Runs[i];
            s.Append(CultureInfo.InvariantCulture, $"  {i}) config={ShellQuote.Quote(run.ConfigPath)} ;;  # -> {OneLine(run.Run.Root)}\n");
        }
        s.Append("  *) echo \"error: no config for array task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\n");
        s.Append("esac\n");
        AppendSweep(s, plan, "\"$config\"");
        return s.ToString();
    }

    /// <summary>
    /// The upscaler's training job (one task, <c>ddpm sweep</c> on its config, so it resumes or skips like an array task).
    /// It needs nothing the runs make — pairs come from the data — but waits for them so that a failing base (bad data path
    /// or config) stops the chain before the upscaler spends its hours.
    /// </summary>
    public static string TrainUpscaler(SlurmJobPlan plan, SlurmJobOptions options)
    {
        var upscaler = plan.Upscaler ?? throw new SlurmOptionException("no upscaler to submit; pass its config to --then.");
        var s = new StringBuilder();
        Header(s, options, options.JobName + "-train-sr", plan.LogDir, "%x-%j.out");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --signal=B:TERM@{options.StopSignalSeconds}\n");
        s.Append("#SBATCH --requeue\n");
        s.Append("# Submit with --dependency=afterok:<array job id> (see submit.sh). `ddpm sweep` on the upscaler's config starts,\n");
        s.Append("# resumes or skips its run folder, so a requeued job continues where it stopped.\n");
        Body(s, options, plan.Tool);
        s.Append("# -> ").Append(OneLine(upscaler.Run.Root)).Append('\n');
        AppendSweep(s, plan, ShellQuote.Quote(upscaler.ConfigPath));
        return s.ToString();
    }

    public static string Evaluation(SlurmJobPlan plan, SlurmJobOptions options) =>
        EvaluationJob(plan, options, "-eval", "# Submit with --dependency=afterok:<array job id> (see submit.sh): runs once every training task has succeeded.\n", plan.EvalCommand);

    /// <summary>Each run evaluated as the base of the cascade with the upscaler (<see cref="SlurmJobPlan.CascadeEvalCommand"/>).</summary>
    public static string CascadeEvaluation(SlurmJobPlan plan, SlurmJobOptions options)
    {
        var upscaler = plan.Upscaler ?? throw new SlurmOptionException("no upscaler to evaluate with; pass its config to --then.");
        return EvaluationJob(plan, options, "-eval-cascade",
            "# Submit with --dependency=afterok:<array job id>:<upscaler job id> (see submit.sh): runs once the runs and the upscaler have trained.\n",
            plan.CascadeEvalCommand.Replace(UpscalerPlaceholder, ShellQuote.Quote(upscaler.Run.Root), StringComparison.Ordinal));
    }

    /// <summary>
    /// The shell commands that submit the scripts: the array with <c>--parsable</c> (prints "jobid" or "jobid;cluster"), then
    /// the evaluation job depending on the whole array; with an upscaler, its training job depending on the array and the
    /// cascade evaluation depending on both.
    /// </summary>
    public static IReadOnlyList<string> SubmitCommands(string arrayScriptPath, string evalScriptPath, string? upscalerScriptPath = null, string? cascadeEvalScriptPath = null)
    {
        List<string> commands =
        [
            $"array_id=$(sbatch --parsable {ShellQuote.Quote(arrayScriptPath)} | cut -d';' -f1)",
            $"sbatch --parsable --dependency=afterok:\"$array_id\" {ShellQuote.Quote(evalScriptPath)}",
        ];
        if ((upscalerScriptPath is null) != (cascadeEvalScriptPath is null))
            throw new ArgumentException("an upscaler's training script and its cascade evaluation script come together.");
        if (upscalerScriptPath is not null)
        {
            commands.Add($"upscaler_id=$(sbatch --parsable --dependency=afterok:\"$array_id\" {ShellQuote.Quote(upscalerScriptPath)} | cut -d';' -f1)");
            commands.Add($"sbatch --parsable --dependency=afterok:\"$array_id\":\"$upscaler_id\" {ShellQuote.Quote(cascadeEvalScriptPath!)}");
        }
        return commands;
    }

    private static string EvaluationJob(SlurmJobPlan plan, SlurmJobOptions options, string jobSuffix, string comment, string command)
    {
        if (command.Contains('\n', StringComparison.Ordinal))
            throw new SlurmOptionException("the evaluation command must be one line.");
        var s = new StringBuilder();
        Header(s, options, options.JobName + jobSuffix, plan.LogDir, "%x-%j.out");
        s.Append(comment);
        Body(s, options, plan.Tool);
        s.Append("runs=(\n");
        foreach (var run in plan.Runs) s.Append("  ").Append(ShellQuote.Quote(run.Run.Root)).Append('\n');
        s.Append(")\n");
        s.Append("for run in \"${runs[@]}\"; do\n");
        s.Append("  echo \"== $run\"\n");
        s.Append("  \"${ddpm[@]}\" ").Append(command.Replace(RunPlaceholder, "\"$run\"", StringComparison.Ordinal)).Append('\n');
        s.Append("done\n");
        return s.ToString();
    }

    /// <summary>The line that trains one config into the sweep's out folder with the sweep's data and overrides.</summary>
    private static void AppendSweep(StringBuilder s, SlurmJobPlan plan, string configWord)
    {
        s.Append("exec \"${ddpm[@]}\" sweep --configs ").Append(configWord).Append(" --out ").Append(ShellQuote.Quote(plan.OutRoot));
        if (plan.DataDir is not null) s.Append(" --data ").Append(ShellQuote.Quote(plan.DataDir));
        foreach (string set in plan.Overrides) s.Append(" --set ").Append(ShellQuote.Quote(set));
        s.Append('\n');
    }

    private static void Header(StringBuilder s, SlurmJobOptions options, string jobName, string logDir, string logPattern)
    {
        options.Validate();
        if (logDir.Any(char.IsWhiteSpace))
            throw new SlurmOptionException($"the log folder '{logDir}' contains whitespace, which #SBATCH --output cannot hold; pass a --write folder without spaces.");
        s.Append("#!/bin/bash\n");
        s.Append("#SBATCH --job-name=").Append(jobName).Append('\n');
        s.Append("#SBATCH --output=").Append(Path.Combine(logDir, logPattern)).Append('\n');
        if (options.Partition is not null) s.Append("#SBATCH --partition=").Append(options.Partition).Append('\n');
        if (options.Account is not null) s.Append("#SBATCH --account=").Append(options.Account).Append('\n');
        if (options.Gres is not null) s.Append("#SBATCH --gres=").Append(options.Gres).Append('\n');
        if (options.Time is not null) s.Append("#SBATCH --time=").Append(options.Time).Append('\n');
        if (options.Mem is not null) s.Append("#SBATCH --mem=").Append(options.Mem).Append('\n');
        if (options.CpusPerTask is int cpus) s.Append(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={cpus}\n");
    }

    private static void Body(StringBuilder s, SlurmJobOptions options, IReadOnlyList<string> tool)
    {
        s.Append("# Generated by `ddpm slurm`; regenerate rather than edit.\n");
        // Environment modules often read unset variables, so setup runs before `set -u`.
        foreach (string line in options.SetupLines) s.Append(line).Append('\n');
        s.Append("set -euo pipefail\n");
        s.Append("ddpm=(").Append(string.Join(' ', tool.Select(ShellQuote.Quote))).Append(")\n");
    }

    private static string OneLine(string text) => text.Replace('\n', ' ').Replace('\r', ' ');
}
