using SharpDiffusion.Cli.Commands;

namespace SharpDiffusion.Tests.Cli;

public sealed class StreamingTableTests
{
    [Fact]
    public void Add_WritesTheHeaderAndEachRowAtOnce_RightAligned()
    {
        using var output = new StringWriter();
        var table = new StreamingTable(["dim", "ms/step (median)"], output, minWidth: 5);

        table.Add(["64", "12.5"]);
        Assert.Equal("  dim  ms/step (median)\n-----  ----------------\n   64              12.5\n", output.ToString().ReplaceLineEndings("\n"));

        table.Add(["128", "40.1"]); // the second row is written when added; the header is not repeated
        Assert.EndsWith("  128              40.1\n", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Equal(4, output.ToString().ReplaceLineEndings("\n").Count(c => c == '\n'));
    }
}
