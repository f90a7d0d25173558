using System.Globalization;
using System.Text.RegularExpressions;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// What makes two evaluations comparable: the feature extractor (its identity, weights included), the number of
/// samples, the sampler and its steps, the guidance weight, for a cascade the upscale stage, and which of the model's
/// weights were sampled (EMA or raw), the timesteps' spacing, and the real statistics (the clean set or the reference trainer's loader). A curve joins only points of one protocol, so a quick <c>--n 16</c> evaluation never
/// replaces a point measured with 2,500 samples, a cascade point (measured at the upscaler's resolution) never joins a
/// base-only one, and an <c>--raw-weights</c> point never replaces the EMA one of the same step.
/// </summary>
/// <param name="Weights">"ema" (the default, also for entries written before the field existed) or "raw".</param>
/// <param name="Spacing">A spacing other than the sampler's default; null: the default (also for older entries).</param>
/// <param name="RealStats">Real statistics other than the clean set's (<see cref="RealStatistics.DdpTrainer"/>); null: the clean set (also for older entries).</param>
/// <param name="Reference">The held-out reference FD, KID and precision/recall were measured against (<c>ddpm eval --reference</c>); null: the training images.</param>
/// <param name="Guide">Autoguidance (guide and w); null: none (also for older entries).</param>
public sealed partial record CurveProtocol(string Extractor, int? N, string? Sampler, int? Steps, double? Guidance, UpscaleProtocol? Upscale = null,
    string Weights = CurveProtocol.Ema, string? Spacing = null, string? RealStats = null, string? Reference = null, AutoGuideProtocol? Guide = null)
{
    public const string Ema = "ema";

    public static CurveProtocol Of(EvaluationEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return new CurveProtocol(entry.Extractor, entry.N, entry.Sampler, entry.Steps, entry.Guidance, entry.Upscale, entry.Weights, entry.Spacing, entry.RealStats, entry.Reference, entry.Guide);
    }

    /// <summary>Labels and tags name the weights only when they are not the EMA's, so EMA curves keep the names they had.</summary>
    private string? RawWeights => Weights == Ema ? null : Weights;

    /// <summary>The extractor's name without the weights hash that ddpm eval appends ("inception@0123456789abcdef" → "inception").</summary>
    public string ExtractorName => WeightsHash().Replace(Extractor, "");

    /// <summary>What a Fréchet distance under this protocol is called: FID only for the Inception.</summary>
    public string FrechetLabel => FeatureExtractors.FrechetLabel(ExtractorName);

    /// <summary>For people: "resnet18, n = 2500, ddim 250 steps, guidance 0"; parts the entry did not record are left out.</summary>
    public string Label => string.Join(", ", new[]
    {
        ExtractorName,
        N is int n ? F($"n = {n}") : null,
        Sampler is null ? null : (Steps is int s ? F($"{Sampler} {s} steps") : Sampler) + (Spacing is string sp ? $" ({sp} spacing)" : ""),
        Guidance is double g ? F($"guidance {g:G4}") : null,
        Guide is { } guide ? F($"autoguided w = {guide.Weight:G4} by {Path.GetFileName(guide.Checkpoint)} ({guide.Sha256[..Math.Min(8, guide.Sha256.Length)]})") : null,
        Upscale?.Label,
        RawWeights is string w ? $"{w} weights" : null,
        RealStats is string rs ? $"real stats {rs}" : null,
        ReferenceName is string r ? $"vs held-out {r}" : null,
    }.Where(p => p is not null));

    /// <summary>The reference's source without its counts: "folder '/data/test' (flat)" of "folder '/data/test' (flat): 500 images, …".</summary>
    private string? ReferenceName => Reference?.Split(": ", 2)[0];

    /// <summary>A short stable tag of the reference (two references never share a curve's tag).</summary>
    private string? ReferenceTag => Reference is null ? null
        : "heldout-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Reference)))[..8];

    /// <summary>For TensorBoard tags and file names: "resnet18_n2500_ddim250_w0" (letters, digits, '.', '-' and '_' only).</summary>
    public string Tag => Unsafe().Replace(string.Join("_", new[]
    {
        ExtractorName,
        N is int n ? F($"n{n}") : null,
        Sampler is null ? null : F($"{Sampler}{Steps}") + (Spacing is string sp ? "-" + sp : ""),
        Guidance is double g ? F($"w{g:G4}") : null,
        Guide is { } guide ? F($"ag{guide.Weight:G4}-{guide.Sha256[..Math.Min(8, guide.Sha256.Length)]}") : null,
        Upscale?.Tag,
        RawWeights,
        RealStats,
        ReferenceTag,
    }.Where(p => p is not null)), "-");

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("@[0-9a-f]{16}$")]
    private static partial Regex WeightsHash();

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex Unsafe();
}
