using System.CommandLine;

namespace SharpDiffusion.Cli.Commands;

/// <summary>Options whose values come from a fixed list (a library registry or enum): --help shows the list, and the parser refuses anything else naming it.</summary>
internal static class Choices
{
    public static void Restrict<T>(Option<T> option, IReadOnlyList<string> names)
    {
        option.HelpName = string.Join('|', names);
        option.AcceptOnlyFromAmong([.. names]);
    }
}
