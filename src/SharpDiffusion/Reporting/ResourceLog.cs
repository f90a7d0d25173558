using System.Globalization;

namespace SharpDiffusion.Reporting;

/// <summary>Peak and mean of one column of resources.csv over the rows that have a value.</summary>
public sealed record ResourceStat(double Peak, double Mean, int Samples);

/// <summary>
/// Reads <c>resources.csv</c> (written by the resource monitor: time, gpu_util_percent, gpu_mem_mib, gpu_power_w,
/// gpu_temp_c, cpu_percent, rss_mib). Columns are found by header name, so added or reordered columns are fine; empty
/// fields (GPU columns on a CPU-only machine) and unparsable ones are skipped.
/// </summary>
public sealed class ResourceLog
{
    public const string FileName = "resources.csv";

    private readonly Dictionary<string, List<double>> _columns;

    private ResourceLog(Dictionary<string, List<double>> columns, int rows)
    {
        _columns = columns;
        Rows = rows;
    }

    public int Rows { get; }

    /// <summary>The statistics of a column, or null when the column is absent or has no values.</summary>
    public ResourceStat? Stat(string column) =>
        _columns.TryGetValue(column, out var values) && values.Count > 0 ? new ResourceStat(values.Max(), values.Average(), values.Count) : null;

    public static ResourceLog Read(string path)
    {
        using var reader = new StreamReader(path);
        string? header = reader.ReadLine();
        if (header is null) return new ResourceLog([], 0);
        string[] names = header.Split(',').Select(h => h.Trim()).ToArray();
        var columns = names.Distinct(StringComparer.Ordinal).ToDictionary(n => n, _ => new List<double>(), StringComparer.Ordinal);
        int rows = 0;
        while (reader.ReadLine() is string line)
        {
            if (line.Length == 0) continue;
            rows++;
            string[] fields = line.Split(',');
            for (int i = 0; i < Math.Min(fields.Length, names.Length); i++)
            {
                if (double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v))
                    columns[names[i]].Add(v);
            }
        }
        return new ResourceLog(columns, rows);
    }
}
