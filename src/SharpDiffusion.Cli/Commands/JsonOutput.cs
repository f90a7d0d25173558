using System.Text.Json;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// <c>--json</c>: the result as one JSON document on stdout and nothing else there; progress bars, tables and notes
/// go to stderr instead, so <c>ddpm fid a b --json | jq .value</c> works.
/// </summary>
internal static class JsonOutput
{
    public const string OptionName = "--json";

    public static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Sends everything written through AnsiConsole (human output) to stderr for the rest of the process.</summary>
    public static void HumanOutputToStderr() =>
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    public static void Write<T>(T result, JsonSerializerOptions? options = null)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(result, options ?? Options));
        Console.Out.Flush();
    }
}
