namespace SharpDiffusion.Cluster;

/// <summary>POSIX shell quoting: single quotes, with each embedded ' written as '\'' (the only character they cannot hold).</summary>
public static class ShellQuote
{
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
