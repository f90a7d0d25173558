using System.Globalization;
using System.Text;
using System.Text.Json;
using SharpDiffusion.Training;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// <c>evaluation_results.json</c> (all entries, rewritten atomically) and <c>evaluation.csv</c> (one row appended per
/// evaluated step, for spreadsheets and plots) in a run folder.
/// </summary>
public sealed class EvaluationLog(string runRoot)
{
    public const string ResultsFileName = "evaluation_results.json";
    public const string CsvFileName = "evaluation.csv";

    private static readonly JsonSerializerOptions Json = EvaluationJson.Options;

    private static readonly string[] CsvColumns =
        ["step", "fd", "frechet_label", "is_mean", "is_std", "is_logits", "kid_mean", "kid_std", "precision", "recall", "memorization_share", "memorization_pixel_share", "n", "sampler", "steps", "guidance", "extractor", "seed", "seconds", "sampling_seconds"];

    public string ResultsPath => Path.Combine(runRoot, ResultsFileName);

    public string CsvPath => Path.Combine(runRoot, CsvFileName);

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
                e.Step.ToString(CultureInfo.InvariantCulture), F(e.Fd), e.FrechetLabel, F(e.IsMean), F(e.IsStd), e.IsLogits, F(e.KidMean), F(e.KidStd),
                F(e.Precision), F(e.Recall), F(e.MemorizationShare), F(e.MemorizationPixelShare), e.N.ToString(CultureInfo.InvariantCulture),
                e.Sampler, e.Steps.ToString(CultureInfo.InvariantCulture), F(e.Guidance), e.Extractor, e.Seed.ToString(CultureInfo.InvariantCulture),
                e.Seconds.ToString("F1", CultureInfo.InvariantCulture), e.SamplingSeconds.ToString("F1", CultureInfo.InvariantCulture)));
        }

        AtomicFile.WriteAllText(CsvPath, text.ToString());
    }

    private sealed record ResultsFile(IReadOnlyList<EvaluationEntry> Entries);
}
