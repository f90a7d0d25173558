using System.Globalization;

namespace SharpDiffusion.Training;

/// <summary>One row of log.csv.</summary>
public sealed record TrainingLogRow(int Step, double Loss, double Lr, double ImagesPerSecond, double ElapsedSeconds);

/// <summary>
/// Append-only <c>log.csv</c> (step, loss, lr, images_per_s, elapsed_s). On resume, rows after the checkpoint's step are
/// dropped first, so a run interrupted between a log row and its next checkpoint has no duplicated steps.
/// </summary>
public sealed class TrainingLog(string path)
{
    public const string Header = "step,loss,lr,images_per_s,elapsed_s";

    public string Path { get; } = path;

    public void Append(TrainingLogRow row)
    {
        if (!File.Exists(Path)) File.WriteAllText(Path, Header + "\n");
        File.AppendAllText(Path, Format(row));
    }

    /// <summary>Removes rows with step greater than <paramref name="step"/> (and any torn last line).</summary>
    public void TruncateAfter(int step)
    {
        if (!File.Exists(Path)) return;
        var kept = Read().Where(r => r.Step <= step).ToList();
        AtomicFile.WriteAllText(Path, Header + "\n" + string.Concat(kept.Select(Format)));
    }

    private static string Format(TrainingLogRow r) => string.Create(CultureInfo.InvariantCulture,
        $"{r.Step},{r.Loss:R},{r.Lr:R},{r.ImagesPerSecond:F3},{r.ElapsedSeconds:F3}\n");

    /// <summary>Parses the rows; a torn or malformed line (e.g. from a crash mid-write) is ignored.</summary>
    public IReadOnlyList<TrainingLogRow> Read()
    {
        if (!File.Exists(Path)) return [];
        var rows = new List<TrainingLogRow>();
        foreach (string line in File.ReadLines(Path).Skip(1))
        {
            string[] f = line.Split(',');
            if (f.Length == 5
                && int.TryParse(f[0], CultureInfo.InvariantCulture, out int s)
                && double.TryParse(f[1], CultureInfo.InvariantCulture, out double loss)
                && double.TryParse(f[2], CultureInfo.InvariantCulture, out double lr)
                && double.TryParse(f[3], CultureInfo.InvariantCulture, out double ips)
                && double.TryParse(f[4], CultureInfo.InvariantCulture, out double elapsed))
            {
                rows.Add(new TrainingLogRow(s, loss, lr, ips, elapsed));
            }
        }
        return rows;
    }
}
