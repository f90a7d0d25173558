using SharpDiffusion.Evaluation;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>
/// Issue 15 item 1: two <c>ddpm eval</c> of one run at once lost entries (3 of 4 kept). Real processes race on
/// <see cref="EvaluationLog.Add"/>; every entry of every process must survive, in files that parse.
/// </summary>
public sealed class EvaluationLogConcurrencyTests : IDisposable
{
    private const int Processes = 2;
    private const int EntriesEach = 25;
    private const int Rounds = 3;

    private readonly string _run = Directory.CreateTempSubdirectory("sd-evalrace-").FullName;

    public void Dispose() => Directory.Delete(_run, recursive: true);

    [Fact]
    public void Add_TwoProcessesRacing_KeepsEveryEntryInValidFiles()
    {
        for (int round = 0; round < Rounds; round++)
        {
            var racers = Enumerable.Range(0, Processes)
                .Select(p => TestProcesses.Start("eval-add", _run, EntriesEach.ToString(System.Globalization.CultureInfo.InvariantCulture), $"r{round}p{p}")).ToList();
            TestProcesses.Go(racers);
            foreach (var racer in racers)
            {
                var (code, _, stderr) = TestProcesses.Finish(racer);
                Assert.True(code == 0, stderr);
                racer.Dispose();
            }
        }

        var log = new EvaluationLog(_run);
        var keys = log.Read().Select(e => e.SettingsKey).ToHashSet();
        var expected = from round in Enumerable.Range(0, Rounds) from p in Enumerable.Range(0, Processes) from i in Enumerable.Range(0, EntriesEach) select $"r{round}p{p}-{i}";
        Assert.Equal(expected.ToHashSet(), keys);
        // The CSV mirrors the JSON: a header and one row per entry, extractor names with commas quoted as one field each.
        var lines = File.ReadAllLines(log.CsvPath);
        Assert.Equal(1 + (Rounds * Processes * EntriesEach), lines.Length);
        int columns = lines[0].Split(',').Length;
        Assert.All(lines.Skip(1), l => Assert.Equal(columns, SplitCsv(l).Count));
        // No temp file of any writer is left behind.
        Assert.Empty(Directory.EnumerateFiles(_run, ".*.tmp"));
    }

    [Fact]
    public void Quote_FieldsWithCommasQuotesOrNewlines_RoundTripThroughAnRfc4180Reader()
    {
        foreach (string field in new[] { "plain", "a,b", "say \"hi\"", "two\nlines", "" })
            Assert.Equal([field, "x"], SplitCsv(EvaluationLog.Quote(field) + ",x"));
    }

    /// <summary>A minimal RFC 4180 field splitter (one record; quoted fields may hold commas, doubled quotes, newlines).</summary>
    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }
}
