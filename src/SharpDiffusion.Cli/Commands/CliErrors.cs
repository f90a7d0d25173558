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

    /// <summary>
    /// Exit code of a command stopped by Ctrl-C or SIGTERM after saving its work (train: a checkpoint; eval: the entries so
    /// far; sweep: both): EX_TEMPFAIL, "run the same command again to continue". Not 0, so <c>ddpm train &amp;&amp; ddpm eval</c>
    /// never evaluates a half-trained run and SLURM's <c>afterok</c> never starts on one.
    /// </summary>
    public const int Interrupted = 75;

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

    /// <summary>
    /// Command-line parse errors (unknown option, a value outside an option's list) as one line on stderr naming the option,
    /// exit code 2, like every other user error; the parser's own output would be the whole help text and a multi-line list.
    /// </summary>
    public static int ReportParseErrors(IReadOnlyList<System.CommandLine.Parsing.ParseError> errors)
    {
        var sentences = errors.Select(e =>
        {
            string option = e.SymbolResult switch
            {
                System.CommandLine.Parsing.OptionResult o => o.Option.Name + ": ",
                System.CommandLine.Parsing.ArgumentResult { Parent: System.CommandLine.Parsing.OptionResult o } => o.Option.Name + ": ",
                _ => "",
            };
            // "Must be one of:\n\t'a'\n\t'b'" becomes "Must be one of: 'a', 'b'".
            var parts = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            string message = parts.Length > 1 && parts[0].EndsWith(':') ? $"{parts[0]} {string.Join(", ", parts.Skip(1))}" : string.Join(' ', parts);
            return option + message;
        });
        Console.Error.WriteLine($"error: {string.Join("; ", sentences.Distinct())} (see --help)");
        return UserError;
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
