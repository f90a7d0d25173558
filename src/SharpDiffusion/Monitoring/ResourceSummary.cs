namespace SharpDiffusion.Monitoring;

/// <summary>Peak and mean of one resource column over the rows that have a value; null fields when none has.</summary>
public sealed record ColumnSummary(double? Peak, double? Mean, int Count)
{
    public static ColumnSummary Of(IEnumerable<double?> values)
    {
        var known = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        return known.Count == 0 ? new ColumnSummary(null, null, 0) : new ColumnSummary(known.Max(), known.Average(), known.Count);
    }
}

/// <summary>Peak and mean per column of a resource log (what the report shows).</summary>
public sealed record ResourceSummary(
    int Rows,
    ColumnSummary GpuUtilPercent,
    ColumnSummary GpuMemoryMiB,
    ColumnSummary GpuPowerWatts,
    ColumnSummary GpuTemperatureC,
    ColumnSummary CpuPercent,
    ColumnSummary RssMiB)
{
    public static ResourceSummary Of(IReadOnlyList<ResourceSample> rows) => new(
        rows.Count,
        ColumnSummary.Of(rows.Select(r => r.GpuUtilPercent)),
        ColumnSummary.Of(rows.Select(r => r.GpuMemoryMiB)),
        ColumnSummary.Of(rows.Select(r => r.GpuPowerWatts)),
        ColumnSummary.Of(rows.Select(r => r.GpuTemperatureC)),
        ColumnSummary.Of(rows.Select(r => r.CpuPercent)),
        ColumnSummary.Of(rows.Select(r => r.RssMiB)));

    /// <summary>Summary of a run folder's <c>resources.csv</c> (zero rows when it has none).</summary>
    public static ResourceSummary OfRun(string runDirectory) => Of(ResourceLog.Read(ResourceLog.PathIn(runDirectory)));
}
