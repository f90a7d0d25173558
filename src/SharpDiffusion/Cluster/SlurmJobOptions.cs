using System.Text.RegularExpressions;

namespace SharpDiffusion.Cluster;

/// <summary>The #SBATCH resource requests shared by the training array and the evaluation job; null = the cluster's default.</summary>
public sealed partial record SlurmJobOptions
{
    public string JobName { get; init; } = "ddpm";
    public string? Partition { get; init; }

    /// <summary>Generic resources, e.g. gpu:1 or gpu:h100:1.</summary>
    public string? Gres { get; init; }

    /// <summary>Wall-time limit per array task in a SLURM time format (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS).</summary>
    public string? Time { get; init; }

    public string? Account { get; init; }

    /// <summary>Memory per node, e.g. 32G (SLURM units K, M, G, T; a plain number is MB).</summary>
    public string? Mem { get; init; }

    public int? CpusPerTask { get; init; }

    /// <summary>Shell lines run before the tool in every job, e.g. "module load cuda/12.4".</summary>
    public IReadOnlyList<string> SetupLines { get; init; } = [];

    /// <summary>Seconds before the time limit at which SLURM sends SIGTERM, so training checkpoints and stops cleanly.</summary>
    public int StopSignalSeconds { get; init; } = 120;

    /// <summary>Throws <see cref="SlurmOptionException"/> naming the first option SLURM would refuse or that would break the script.</summary>
    public void Validate()
    {
        CheckName(JobName, "--job-name");
        if (Partition is not null) CheckName(Partition, "--partition");
        if (Account is not null) CheckName(Account, "--account");
        if (Gres is not null && !GresPattern().IsMatch(Gres))
            throw new SlurmOptionException($"--gres '{Gres}' is not a SLURM gres list; write it like gpu:1 or gpu:a100:2.");
        if (Time is not null && !TimePattern().IsMatch(Time))
            throw new SlurmOptionException($"--time '{Time}' is not a SLURM time; write HH:MM:SS (e.g. 24:00:00) or D-HH:MM:SS.");
        if (Mem is not null && !MemPattern().IsMatch(Mem))
            throw new SlurmOptionException($"--mem '{Mem}' is not a SLURM memory size; write e.g. 32G or 16000M.");
        if (CpusPerTask is < 1)
            throw new SlurmOptionException($"--cpus {CpusPerTask} must be at least 1.");
        if (StopSignalSeconds is < 1 or > 65535)
            throw new SlurmOptionException($"the stop signal lead time {StopSignalSeconds} s must be between 1 and 65535 (SLURM's limit).");
        foreach (string line in SetupLines)
            if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal))
                throw new SlurmOptionException("a --setup-line must be one line; repeat --setup-line for several.");
    }

    private static void CheckName(string value, string option)
    {
        if (!NamePattern().IsMatch(value))
            throw new SlurmOptionException($"{option} '{value}' may contain only letters, digits and . _ - + , characters.");
    }

    [GeneratedRegex(@"^[A-Za-z0-9._+,-]+$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9._:,-]+$")]
    private static partial Regex GresPattern();

    // sbatch(1), --time: "minutes", "minutes:seconds", "hours:minutes:seconds", "days-hours", "days-hours:minutes", "days-hours:minutes:seconds".
    [GeneratedRegex(@"^(\d+(:\d{1,2}){0,2}|\d+-\d{1,2}(:\d{1,2}){0,2})$")]
    private static partial Regex TimePattern();

    [GeneratedRegex(@"^\d+[KMGT]?$")]
    private static partial Regex MemPattern();
}

/// <summary>A SLURM option has a value sbatch would refuse; the message says which and how to write it.</summary>
public sealed class SlurmOptionException(string message) : Exception(message);
