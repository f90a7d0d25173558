namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// A table written one row at a time, so a long benchmark shows each result as soon as it is measured (on a terminal and in
/// a log file alike). Columns are right-aligned to their header's width or <c>minWidth</c>; a longer cell widens only its row.
/// </summary>
internal sealed class StreamingTable(IReadOnlyList<string> columns, TextWriter? output = null, int minWidth = 8)
{
    private readonly int[] _widths = columns.Select(c => Math.Max(c.Length, minWidth)).ToArray();
    private bool _headerWritten;

    public void Add(IReadOnlyList<string> cells)
    {
        if (!_headerWritten)
        {
            WriteLine(columns);
            WriteLine(_widths.Select(w => new string('-', w)).ToList());
            _headerWritten = true;
        }
        WriteLine(cells);
    }

    private void WriteLine(IReadOnlyList<string> cells) =>
        (output ?? Console.Out).WriteLine(string.Join("  ", cells.Select((cell, i) => cell.PadLeft(_widths[i]))));
}
