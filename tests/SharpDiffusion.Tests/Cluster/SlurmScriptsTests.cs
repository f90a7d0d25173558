using System.Diagnostics;
using SharpDiffusion.Cluster;
using SharpDiffusion.Config;
using SharpDiffusion.Experiments;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Cluster;

public sealed class SlurmScriptsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-slurm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Paths with a space and a single quote: the scripts must hand them to ddpm unchanged.
    private SlurmJobPlan Plan(IReadOnlyList<string> tool, string evalCommand = SlurmScripts.DefaultEvalCommand)
    {
        string outRoot = Path.Combine(_dir, "my runs");
        var runs = new[] { "baseline", "exp1-low-lr", "exp4-dim128" }
            .Select(name => new SweepRun(Path.Combine(_dir, "conf's", name + ".json"), new RunConfig { Name = name }, new RunDirectory(Path.Combine(outRoot, name))))
            .ToList();
        return new SlurmJobPlan(runs, outRoot, tool, Path.Combine(_dir, "SYSU Shapes"), ["training.device=cuda", "training.lr=2e-5"], Path.Combine(_dir, "logs"), evalCommand);
    }

    /// <summary>A stand-in for the ddpm tool that prints each argument it receives on its own line (and a quoting test of the tool words).</summary>
    private static readonly string[] PrintArguments = ["/usr/bin/printf", "%s\n"];

    private static readonly SlurmJobOptions Options = new()
    {
        JobName = "sysu", Partition = "gpu", Gres = "gpu:1", Time = "24:00:00", Account = "proj42", Mem = "32G", CpusPerTask = 8,
        SetupLines = ["echo setup-one", "echo setup-two"],
    };

    private static Dictionary<string, List<string>> Directives(string script) =>
        script.Split('\n').Where(l => l.StartsWith("#SBATCH --", StringComparison.Ordinal))
            .Select(l => l["#SBATCH --".Length..].Split('=', 2))
            .GroupBy(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "")
            .ToDictionary(g => g.Key, g => g.ToList());

    [Fact]
    public void TrainArray_KnownInput_HasDirectivesArrayRangeAndOneTaskLinePerConfig()
    {
        var plan = Plan(["/opt/ddpm/ddpm"]);
        string script = SlurmScripts.TrainArray(plan, Options);
        var d = Directives(script);

        Assert.StartsWith("#!/bin/bash\n", script, StringComparison.Ordinal);
        Assert.Equal(["0-2"], d["array"]);
        Assert.Equal(["sysu-train"], d["job-name"]);
        Assert.Equal(["gpu"], d["partition"]);
        Assert.Equal(["gpu:1"], d["gres"]);
        Assert.Equal(["24:00:00"], d["time"]);
        Assert.Equal(["proj42"], d["account"]);
        Assert.Equal(["32G"], d["mem"]);
        Assert.Equal(["8"], d["cpus-per-task"]);
        Assert.Equal(["B:TERM@120"], d["signal"]);
        Assert.Contains("requeue", d.Keys);
        Assert.Equal([Path.Combine(_dir, "logs", "%x-%A_%a.out")], d["output"]);

        // Every #SBATCH line precedes the first command, or sbatch ignores it.
        var lines = script.Split('\n');
        int lastDirective = Array.FindLastIndex(lines, l => l.StartsWith("#SBATCH", StringComparison.Ordinal));
        int firstCommand = Array.FindIndex(lines, l => l.Length > 0 && !l.StartsWith('#'));
        Assert.True(lastDirective < firstCommand);

        var taskLines = lines.Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+\d+\) config=")).ToList();
        Assert.Equal(3, taskLines.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.StartsWith($"  {i}) config=", taskLines[i], StringComparison.Ordinal);
            Assert.Contains(plan.Runs[i].Name + ".json", taskLines[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TrainArray_RunByBash_EachTaskExecsSweepOnItsOwnConfigWithPathsIntact()
    {
        var plan = Plan(PrintArguments);
        string script = Path.Combine(_dir, "train.sbatch");
        File.WriteAllText(script, SlurmScripts.TrainArray(plan, Options));

        for (int task = 0; task < plan.Runs.Count; task++)
        {
            var (code, stdout) = Bash(script, task);
            Assert.Equal(0, code);
            Assert.Equal(
                ["setup-one", "setup-two", "sweep", "--configs", plan.Runs[task].ConfigPath, "--out", plan.OutRoot, "--data", plan.DataDir!,
                 "--set", "training.device=cuda", "--set", "training.lr=2e-5"],
                stdout.TrimEnd('\n').Split('\n'));
        }
        var (badCode, _) = Bash(script, 3);
        Assert.Equal(2, badCode);
    }

    [Fact]
    public void Evaluation_RunByBash_RunsTheCommandOncePerRunFolderInOrder()
    {
        var plan = Plan(PrintArguments, "sample --run {run} --n 4");
        string script = Path.Combine(_dir, "eval.sbatch");
        string text = SlurmScripts.Evaluation(plan, Options);
        File.WriteAllText(script, text);

        Assert.Equal(["sysu-eval"], Directives(text)["job-name"]);
        Assert.DoesNotContain("array", Directives(text).Keys);
        var (code, stdout) = Bash(script, task: null);
        Assert.Equal(0, code);
        string[] expected = ["setup-one", "setup-two", .. plan.Runs.SelectMany(r => new[] { "== " + r.Run.Root, "sample", "--run", r.Run.Root, "--n", "4" })];
        Assert.Equal(expected, stdout.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void SubmitCommands_SubmitArrayParsableThenEvaluationAfterOkOnTheArrayId()
    {
        var commands = SlurmScripts.SubmitCommands("/s/train-array.sbatch", "/s/evaluate.sbatch");

        Assert.Equal(2, commands.Count);
        Assert.Equal("array_id=$(sbatch --parsable '/s/train-array.sbatch' | cut -d';' -f1)", commands[0]);
        Assert.StartsWith("sbatch ", commands[1], StringComparison.Ordinal);
        Assert.Contains("--dependency=afterok:\"$array_id\"", commands[1], StringComparison.Ordinal);
        Assert.EndsWith("'/s/evaluate.sbatch'", commands[1], StringComparison.Ordinal);
    }

    [Fact]
    public void TrainArray_NoOptionalResources_OmitsTheirDirectives()
    {
        var d = Directives(SlurmScripts.TrainArray(Plan(["/opt/ddpm"]), new SlurmJobOptions()));
        Assert.Equal(["array", "job-name", "output", "requeue", "signal"], d.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("24:00:00", true)]
    [InlineData("1-12:00:00", true)]
    [InlineData("90", true)]
    [InlineData("30:00", true)]
    [InlineData("2-12", true)]
    [InlineData("24h", false)]
    [InlineData("12:00:00:00", false)]
    [InlineData("", false)]
    public void Validate_Time_AcceptsSlurmFormatsOnly(string time, bool valid)
    {
        var options = new SlurmJobOptions { Time = time };
        if (valid) options.Validate();
        else Assert.Throws<SlurmOptionException>(options.Validate);
    }

    [Fact]
    public void Validate_BadValues_RefusedWithTheOptionNamed()
    {
        Assert.Contains("--mem", Assert.Throws<SlurmOptionException>(new SlurmJobOptions { Mem = "lots" }.Validate).Message, StringComparison.Ordinal);
        Assert.Contains("--gres", Assert.Throws<SlurmOptionException>(new SlurmJobOptions { Gres = "gpu 1" }.Validate).Message, StringComparison.Ordinal);
        Assert.Contains("--partition", Assert.Throws<SlurmOptionException>(new SlurmJobOptions { Partition = "gpu\n#SBATCH --x" }.Validate).Message, StringComparison.Ordinal);
        Assert.Contains("--cpus", Assert.Throws<SlurmOptionException>(new SlurmJobOptions { CpusPerTask = 0 }.Validate).Message, StringComparison.Ordinal);
        Assert.Throws<SlurmOptionException>(new SlurmJobOptions { SetupLines = ["module load a\nrm -rf x"] }.Validate);
    }

    private SlurmJobPlan CascadePlan(IReadOnlyList<string> tool)
    {
        var plan = Plan(tool);
        var upscaler = new SweepRun(Path.Combine(_dir, "conf's", "sr-128.json"), new RunConfig { Name = "sr-128" }, new RunDirectory(Path.Combine(plan.OutRoot, "sr-128")));
        return plan with { Upscaler = upscaler };
    }

    [Fact]
    public void TrainUpscaler_RunByBash_ExecsSweepOnTheUpscalerConfigAsOneRequeueableJob()
    {
        var plan = CascadePlan(PrintArguments);
        string text = SlurmScripts.TrainUpscaler(plan, Options);
        string script = Path.Combine(_dir, "train-upscaler.sbatch");
        File.WriteAllText(script, text);

        var d = Directives(text);
        Assert.Equal(["sysu-train-sr"], d["job-name"]);
        Assert.Equal(["B:TERM@120"], d["signal"]);
        Assert.Contains("requeue", d.Keys);
        Assert.DoesNotContain("array", d.Keys);
        Assert.Equal(["gpu:1"], d["gres"]);
        var (code, stdout) = Bash(script, task: null);
        Assert.Equal(0, code);
        Assert.Equal(
            ["setup-one", "setup-two", "sweep", "--configs", plan.Upscaler!.ConfigPath, "--out", plan.OutRoot, "--data", plan.DataDir!,
             "--set", "training.device=cuda", "--set", "training.lr=2e-5"],
            stdout.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void CascadeEvaluation_RunByBash_EvaluatesEveryRunWithTheUpscaler()
    {
        var plan = CascadePlan(PrintArguments);
        string text = SlurmScripts.CascadeEvaluation(plan, Options);
        string script = Path.Combine(_dir, "evaluate-cascade.sbatch");
        File.WriteAllText(script, text);

        Assert.Equal(["sysu-eval-cascade"], Directives(text)["job-name"]);
        var (code, stdout) = Bash(script, task: null);
        Assert.Equal(0, code);
        string[] expected = ["setup-one", "setup-two", .. plan.Runs.SelectMany(r => new[] { "== " + r.Run.Root, "eval", "--run", r.Run.Root, "--upscale", plan.Upscaler!.Run.Root })];
        Assert.Equal(expected, stdout.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public void SubmitCommands_Cascade_UpscalerAfterOkOnTheArray_CascadeEvalAfterOkOnBoth()
    {
        // A stand-in sbatch on PATH: records its arguments and prints job ids 101, 102, … in --parsable's "id;cluster" form.
        string bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        string calls = Path.Combine(_dir, "calls.txt");
        File.WriteAllText(Path.Combine(bin, "sbatch"), $$"""
            #!/bin/bash
            n=$(( $(cat {{ShellQuote.Quote(Path.Combine(_dir, "count"))}} 2>/dev/null || echo 100) + 1 ))
            echo "$n" > {{ShellQuote.Quote(Path.Combine(_dir, "count"))}}
            echo "$*" >> {{ShellQuote.Quote(calls)}}
            echo "$n;cluster"
            """.Replace("\r", "", StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Path.Combine(bin, "sbatch"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var commands = SlurmScripts.SubmitCommands("/s/train-array.sbatch", "/s/evaluate.sbatch", "/s/train-upscaler.sbatch", "/s/evaluate-cascade.sbatch");
        string submit = Path.Combine(_dir, "submit.sh");
        File.WriteAllText(submit, "set -euo pipefail\n" + string.Join('\n', commands) + "\n");

        var start = new ProcessStartInfo("bash", [submit]) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using (var process = Process.Start(start)!)
        {
            process.StandardOutput.ReadToEnd();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, stderr);
        }

        Assert.Equal(
        [
            "--parsable /s/train-array.sbatch",
            "--parsable --dependency=afterok:101 /s/evaluate.sbatch",
            "--parsable --dependency=afterok:101 /s/train-upscaler.sbatch",
            "--parsable --dependency=afterok:101:103 /s/evaluate-cascade.sbatch",
        ], File.ReadAllLines(calls));
    }

    [Fact]
    public void CascadeScripts_WithoutAnUpscaler_AreRefused()
    {
        Assert.Throws<SlurmOptionException>(() => SlurmScripts.TrainUpscaler(Plan(["/opt/ddpm"]), Options));
        Assert.Throws<SlurmOptionException>(() => SlurmScripts.CascadeEvaluation(Plan(["/opt/ddpm"]), Options));
    }

    private static (int Code, string Stdout) Bash(string script, int? task)
    {
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (task is int t) start.Environment["SLURM_ARRAY_TASK_ID"] = t.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        string stdout = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout);
    }
}
