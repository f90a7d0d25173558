using SharpDiffusion.Config;
using SharpDiffusion.Data;
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
        var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (IsUserError(exception))
        {
            error.MarkupLine($"[red]error:[/] {Markup.Escape(exception.Message)}");
            return UserError;
        }
        error.WriteException(exception);
        return InternalError;
    }

    private static bool IsUserError(Exception e) => e is ConfigException or DataException or CheckpointException or RunLockedException
        or NativeRuntimeException or EvaluationException or UsageException or IOException or UnauthorizedAccessException or ArgumentException;
}

/// <summary>A command-line argument is wrong; the message says which and how to fix it.</summary>
internal sealed class UsageException(string message) : Exception(message);
