namespace SharpDiffusion.Evaluation;

/// <summary>The metric names of <c>ddpm eval --metrics</c>.</summary>
public static class EvaluationMetricNames
{
    /// <summary>The Fréchet distance in the extractor's feature space: FID only with the Inception, hence not called "fid".</summary>
    public const string Frechet = "fd";

    /// <summary>Accepted for <see cref="Frechet"/>: the name before it was the extractor-neutral "fd".</summary>
    public const string FrechetAlias = "fid";
    public const string InceptionScore = "is";
    public const string Kid = "kid";
    public const string PrecisionRecall = "pr";
    public const string Memorization = "memorization";

    public static readonly IReadOnlyList<string> All = [Frechet, InceptionScore, Kid, PrecisionRecall, Memorization];

    /// <summary>"fd,is" → the set, in canonical order; unknown names are one sentence listing the known ones.</summary>
    public static IReadOnlyList<string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => n.ToLowerInvariant()).Select(n => n == FrechetAlias ? Frechet : n).ToHashSet();
        var unknown = names.Where(n => !All.Contains(n)).ToList();
        if (unknown.Count > 0 || names.Count == 0)
        {
            throw new EvaluationException($"Unknown metric '{(unknown.Count > 0 ? unknown[0] : text)}'; --metrics takes a comma-separated list of {string.Join(", ", All)}.");
        }

        return All.Where(names.Contains).ToList();
    }
}
