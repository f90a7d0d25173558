using System.Globalization;
using System.Text;
using System.Text.Json;
using SharpDiffusion.Training;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// <c>evaluation_results.json</c> (all entries) and <c>evaluation.csv</c> (one row per entry, for spreadsheets and plots) in
/// a run folder. Several <c>ddpm eval</c> processes may add entries to one run at once, and training may run meanwhile (it
/// never writes these files): each addition is a read-modify-write under <c>evaluation.lock</c>, and both files are
/// replaced atomically, so no entry is lost and a reader always sees complete files.
/// </summary>
public sealed class EvaluationLog(string runRoot)
{
    public const string ResultsFileName = "evaluation_results.json";
    public const string CsvFileName = "evaluation.csv";
    public const string LockFileName = "evaluation.lock";

    /// <summary>How long an addition waits for another one to finish (each holds the lock for milliseconds).</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Memorisation grids are written outside the lock; a temp file of one this old is left by a killed process.</summary>
    private static readonly TimeSpan AbandonedGridAge = TimeSpan.FromMinutes(10);

    private static readonly JsonSerializerOptions Json = EvaluationJson.Options;

    private static readonly string[] CsvColumns =
        ["step", "fd", "frechet_label", "is_mean", "is_std", "is_logits", "kid_mean", "kid_std", "precision", "recall", "memorization_share", "memorization_pixel_share", "n", "sampler", "steps", "guidance", "extractor", "seed", "seconds", "sampling_seconds",
         "memorization_ratio_share", "memorization_ratio_low", "memorization_ratio_high", "precision_recall_per_side", "reference", "upscale",
         "memorization_normalized_distance_minimum", "memorization_normalized_distance_percentile1", "memorization_normalized_distance_percentile5",
         "memorization_normalized_distance_median", "memorization_normalized_distance_neighbors", "memorization_normalized_distance_alpha"];

    public string ResultsPath => Path.Combine(runRoot, ResultsFileName);

    public string CsvPath => Path.Combine(runRoot, CsvFileName);

    public string LockPath => Path.Combine(runRoot, LockFileName);

    public IReadOnlyList<EvaluationEntry> Read()
    {
        if (!File.Exists(ResultsPath))
        {
            return [];
        }

        try
        {
            return JsonSerializer.Deserialize<ResultsFile>(File.ReadAllText(ResultsPath), Json)?.Entries ?? [];
        }
        catch (JsonException e)
        {
            throw new EvaluationException($"'{ResultsPath}' is not a valid evaluation results file ({e.Message}); move it away and evaluate again.");
        }
    }

    public bool HasEntry(int step, string settingsKey) => Read().Any(e => e.Step == step && e.SettingsKey == settingsKey);

    /// <summary>Adds (or replaces, for the same step and settings) an entry, keeping entries ordered by step.</summary>
    public void Add(EvaluationEntry entry)
    {
        using var held = LockFile.Acquire(LockPath, LockTimeout);
        DeleteLeftovers();
        var entries = Read().Where(e => !(e.Step == entry.Step && e.SettingsKey == entry.SettingsKey)).Append(entry)
            .OrderBy(e => e.Step).ThenBy(e => e.CreatedUtc).ToList();
        AtomicFile.WriteAllText(ResultsPath, JsonSerializer.Serialize(new ResultsFile(entries), Json) + "\n");
        WriteCsv(entries);
    }

    /// <summary>evaluation.csv mirrors the results file (one row per entry, ordered by step), rewritten atomically.</summary>
    private void WriteCsv(IEnumerable<EvaluationEntry> entries)
    {
        var text = new StringBuilder();
        text.AppendLine(string.Join(',', CsvColumns));
        string F(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";
        foreach (var e in entries)
        {
            text.AppendLine(string.Join(',',
                e.Step.ToString(CultureInfo.InvariantCulture), F(e.Fd), Quote(e.FrechetLabel), F(e.IsMean), F(e.IsStd), Quote(e.IsLogits), F(e.KidMean), F(e.KidStd),
                F(e.Precision), F(e.Recall), F(e.MemorizationShare), F(e.MemorizationPixelShare), e.N.ToString(CultureInfo.InvariantCulture),
                Quote(e.Sampler), e.Steps.ToString(CultureInfo.InvariantCulture), F(e.Guidance), Quote(e.Extractor), e.Seed.ToString(CultureInfo.InvariantCulture),
                e.Seconds.ToString("F1", CultureInfo.InvariantCulture), e.SamplingSeconds.ToString("F1", CultureInfo.InvariantCulture),
                F(e.MemorizationRatioShare), F(e.MemorizationRatioLow), F(e.MemorizationRatioHigh), e.PrecisionRecallPerSide?.ToString(CultureInfo.InvariantCulture) ?? "", Quote(e.Reference), Quote(e.Upscale?.Tag),
                F(e.MemorizationNormalizedDistanceMinimum), F(e.MemorizationNormalizedDistancePercentile1), F(e.MemorizationNormalizedDistancePercentile5),
                F(e.MemorizationNormalizedDistanceMedian), e.MemorizationNormalizedDistanceNeighbors?.ToString(CultureInfo.InvariantCulture) ?? "", F(e.MemorizationNormalizedDistanceAlpha)));
        }

        AtomicFile.WriteAllText(CsvPath, text.ToString());
    }

    /// <summary>RFC 4180: a field holding a comma, a quote or a line break is quoted, its quotes doubled (extractor file names may hold any of them).</summary>
    internal static string Quote(string? field) =>
        field is null ? "" :
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Under the lock: temp files of these two files are certainly abandoned; those of grids only once old.</summary>
    private void DeleteLeftovers()
    {
        AtomicFile.DeleteLeftovers(runRoot, name => name is ResultsFileName or CsvFileName);
        AtomicFile.DeleteLeftovers(runRoot, name => name.StartsWith("memorization-", StringComparison.Ordinal) || name.StartsWith("cascade-", StringComparison.Ordinal), AbandonedGridAge);
    }

    private sealed record ResultsFile(IReadOnlyList<EvaluationEntry> Entries);
}
