using System.Globalization;
using SharpDiffusion.Sampling;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// How a checkpoint is measured: how many samples, drawn how (sampler, steps, guidance, seed, batch; for a cascade also
/// the upscaler and its sampling), scored with which metrics. Two evaluations with equal protocols, extractor and real set measure the same thing (<see cref="SettingsKey"/>).
/// </summary>
/// <param name="N">Samples per checkpoint.</param>
/// <param name="Metrics">Metric names (<see cref="EvaluationMetricNames"/>).</param>
/// <param name="Sampler">Sampler registry name.</param>
/// <param name="Steps">Sampler steps (network evaluations).</param>
/// <param name="Guidance">Classifier-free guidance weight of a class-conditional run; 0 is the plain conditional model.</param>
/// <param name="Seed">Sampling seed; sample i depends only on (seed, i).</param>
/// <param name="RawWeights">Evaluate the trained weights instead of the EMA weights (recorded as <c>weights: raw</c>).</param>
/// <param name="Batch">Images per forward pass (sampling and extraction); does not change a result.</param>
/// <param name="Upscale">A cascade: the samples are super-resolved by this upscaler and measured at its output size; null: the base alone.</param>
/// <param name="Spacing">The timesteps' spacing (<see cref="TimestepSpacings"/>); auto: the sampler's own default.</param>
/// <param name="RealStats">Which real images the Fréchet distance's real statistics are taken over (<see cref="RealStatistics"/>).</param>
/// <param name="Reference">What FD, KID and precision/recall compare with instead of the real set (<see cref="EvaluationReference"/>: "test", a folder, a feature or statistics file); null: the real set.</param>
/// <param name="Guide">Autoguidance: the guide and its weight (keyed only when given, so older entries keep their keys); null: none.</param>
public sealed record EvaluationProtocol(int N, IReadOnlyList<string> Metrics, string Sampler, int Steps, double Guidance, long Seed, int Batch, bool RawWeights = false, UpscaleProtocol? Upscale = null,
    string Spacing = "auto", string RealStats = RealStatistics.Images, string? Reference = null, AutoGuideProtocol? Guide = null)
{
    /// <summary>The reference study's protocol: 2,500 samples per checkpoint with DDIM 250 steps.</summary>
    public const int ReferenceSamples = 2500;

    public const int ReferenceSteps = 250;

    /// <summary>The spacing's name when it is not the sampler's default (recorded and keyed only then, so older entries keep their keys); else null.</summary>
    public string? SpacingName => TimestepSpacings.Parse(Spacing, Sampler) is var spacing && spacing == TimestepSpacings.DefaultFor(Sampler) ? null : TimestepSpacings.NameOf(spacing);

    /// <summary>The real statistics' name when they are not the clean image set's (recorded and keyed only then); else null.</summary>
    public string? RealStatsName => RealStats == RealStatistics.Images ? null : RealStats;

    /// <summary>
    /// The key an entry of evaluation_results.json is recognised by, so an evaluation already done is skipped.
    /// <paramref name="referenceHash"/>: the content of <see cref="Reference"/> (null without one). Precision/recall
    /// on equal sides and the memorisation tests (nearest/second-nearest ratio, normalised distance) are marked, so entries
    /// computed before them (unequal sides, calibrated threshold alone, no normalised distance) are evaluated again rather than reused.
    /// </summary>
    public string SettingsKey(string extractorIdentity, string realSetHash, string? referenceHash = null) => string.Create(CultureInfo.InvariantCulture,
        $"n={N};metrics={string.Join(',', Metrics)};extractor={extractorIdentity};sampler={Sampler};steps={Steps};guidance={Guidance};seed={Seed};data={realSetHash}{MetricVersions(referenceHash)}{(RawWeights ? ";weights=raw" : "")}{(Upscale is null ? "" : ";" + Upscale.SettingsKey)}{(SpacingName is string s ? ";spacing=" + s : "")}{(RealStatsName is string r ? ";real=" + r : "")}{(Guide is null ? "" : ";" + Guide.SettingsKey)}");

    private string MetricVersions(string? referenceHash) =>
        (referenceHash is null ? "" : ";reference=" + referenceHash)
        + (Metrics.Contains(EvaluationMetricNames.PrecisionRecall) ? ";pr=equal" : "")
        + (Metrics.Contains(EvaluationMetricNames.Memorization) ? ";memorization=" + MemorizationVersion : "");

    /// <summary>What the memorization metric records beyond the calibrated check: the NN1/NN2 ratio test and Carlini et al.'s normalised distance.</summary>
    internal const string MemorizationVersion = "nn-ratio+normalized-distance";
}
