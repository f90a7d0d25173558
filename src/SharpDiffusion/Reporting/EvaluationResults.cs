using System.Text.Json;
using SharpDiffusion.Evaluation;

namespace SharpDiffusion.Reporting;

/// <summary>
/// One evaluated checkpoint of <c>evaluation_results.json</c>; every metric may be missing (not computed).
/// <see cref="Fd"/> is the Fréchet distance in <see cref="Extractor"/>'s feature space (FID only for the Inception).
/// </summary>
public sealed record EvaluationEntry(
    int Step,
    double? Fd = null,
    double? IsMean = null,
    double? IsStd = null,
    double? Kid = null,
    double? Precision = null,
    double? Recall = null,
    double? MemorizationShare = null,
    int? N = null,
    string? Sampler = null,
    int? Steps = null,
    string? Extractor = null,
    long? Seed = null,
    double? Seconds = null,
    double? Guidance = null,
    string? IsLogits = null,
    UpscaleProtocol? Upscale = null,
    string? UpscaleComparisonGrid = null,
    string? Weights = null,
    string? Spacing = null,
    string? RealStats = null,
    string? Reference = null,
    double? MemorizationRatioShare = null,
    double? MemorizationRatioLow = null,
    double? MemorizationRatioHigh = null,
    double? MemorizationNormalizedDistanceMedian = null)
{
    /// <summary>
    /// The protocol of this entry; an entry that names no extractor takes the file's, one that names no weights the EMA's,
    /// one that names no reference (all entries before <c>--reference</c>) compared with the training images.
    /// </summary>
    public CurveProtocol Protocol(string? fileExtractor) =>
        new(Extractor ?? fileExtractor ?? "unknown extractor", N, Sampler, Steps, Guidance, Upscale, Weights ?? CurveProtocol.Ema, Spacing, RealStats, Reference);
}

/// <summary>
/// The evaluations of one run, read from <c>evaluation_results.json</c> (written by <c>ddpm eval</c>; format in
/// docs/reporting.md). The reader is tolerant: unknown fields are ignored, null or absent metrics stay null, and an
/// entry without an integer <c>step</c> is dropped.
/// </summary>
public sealed record EvaluationResults(string? Extractor, IReadOnlyList<EvaluationEntry> Entries)
{
    public const string FileName = "evaluation_results.json";

    /// <summary>Parses the file; throws <see cref="InvalidDataException"/> naming the file when it is not the expected JSON.</summary>
    public static EvaluationResults Read(string path)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path} is not a JSON object with an \"entries\" list.");
            var entries = new List<EvaluationEntry>();
            if (root.TryGetProperty("entries", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in list.EnumerateArray())
                    if (e.ValueKind == JsonValueKind.Object && Int(e, "step") is int step) entries.Add(ReadEntry(e, step));
            }
            return new EvaluationResults(String(root, "extractor") ?? entries.Select(e => e.Extractor).LastOrDefault(x => x is not null), entries);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON ({e.Message}).", e);
        }
    }

    private static EvaluationEntry ReadEntry(JsonElement e, int step) => new(
        step,
        // ddpm eval writes "fd" (in the extractor's feature space) and "kid_mean"; "fid" and "kid" (older files and other
        // tools) are read as aliases. The name of the distance comes from the extractor, never from the field's name.
        Number(e, "fd") ?? Number(e, "fid"), Number(e, "is_mean"), Number(e, "is_std"), Number(e, "kid_mean") ?? Number(e, "kid"),
        Number(e, "precision"), Number(e, "recall"), Number(e, "memorization_share"),
        Int(e, "n"), String(e, "sampler"), Int(e, "steps"), String(e, "extractor"),
        e.TryGetProperty("seed", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long seed) ? seed : null,
        Number(e, "seconds"), Number(e, "guidance"), String(e, "is_logits"), ReadUpscale(e), String(e, "upscale_comparison_grid"), String(e, "weights"),
        String(e, "spacing"), String(e, "real_stats"),
        String(e, "reference"), Number(e, "memorization_ratio_share"), Number(e, "memorization_ratio_low"), Number(e, "memorization_ratio_high"),
        Number(e, "memorization_normalized_distance_median"));

    /// <summary>A cascade entry's upscale stage; null when absent or when a field of it is missing (then it is not a stage we can name).</summary>
    private static UpscaleProtocol? ReadUpscale(JsonElement e)
    {
        if (!e.TryGetProperty("upscale", out var u) || u.ValueKind != JsonValueKind.Object) return null;
        return String(u, "run") is string run && Int(u, "step") is int step && Number(u, "augmentation_level") is double level && Number(u, "guidance") is double guidance
            && String(u, "sampler") is string sampler && Int(u, "steps") is int steps && Int(u, "input_size") is int input && Int(u, "output_size") is int output
            ? new UpscaleProtocol(run, step, level, guidance, sampler, steps, input, output)
            : null;
    }

    private static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && double.IsFinite(v.GetDouble()) ? v.GetDouble() : null;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) ? i : null;

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
