using SharpDiffusion.Cluster;
using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Experiments;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Runtime;
using SharpDiffusion.Training;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary>Turns the errors a user can cause into one line on stderr and exit code 2; anything else is a bug and keeps its stack trace.</summary>
internal static class CliErrors
{
    public const int UserError = 2;
    public const int InternalError = 70; // EX_SOFTWARE

    public static int Report(Exception exception)
    {
        if (IsUserError(exception))
        {
            // Plain text, never wrapped: one line that scripts and SLURM logs can grep.
            Console.Error.WriteLine($"error: {OneLine(exception)}");
            return UserError;
        }
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) }).WriteException(exception);
        return InternalError;
    }

    /// <summary>ArgumentException appends "(Parameter 'x')" and "Actual value was …" lines meant for programmers; keep the sentence.</summary>
    private static string OneLine(Exception e)
    {
        string first = e.Message.Split('\n', 2)[0].Trim();
        if (e is IOException && first.Contains("No space left on device", StringComparison.Ordinal))
            return first + "; free some space, then continue with --resume (the last complete checkpoint is intact).";
        return e is ArgumentException { ParamName: string name } ? first.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : first;
    }

    private static bool IsUserError(Exception e) => e is ConfigException or DataException or CheckpointException or Interop.InteropException or RunLockedException or TrainingDivergedException
        or NativeRuntimeException or EvaluationException or UsageException or SweepException or SlurmOptionException or IOException or UnauthorizedAccessException or ArgumentException;
}

/// <summary>A command-line argument is wrong; the message says which and how to fix it.</summary>
internal sealed class UsageException(string message) : Exception(message);
