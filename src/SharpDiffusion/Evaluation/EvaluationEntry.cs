namespace SharpDiffusion.Evaluation;

/// <summary>
/// One evaluated checkpoint in <c>evaluation_results.json</c>. Metrics that were not requested are null; a requested
/// metric that cannot be computed is null with the reason in <see cref="Notes"/> (never a made-up number).
/// </summary>
public sealed record EvaluationEntry
{
    public int Step { get; init; }

    /// <summary>Fréchet distance in the extractor's feature space; <see cref="FrechetLabel"/> names it (FID only for the Inception).</summary>
    public double? Fd { get; init; }

    public string? FrechetLabel { get; init; }

    public double? IsMean { get; init; }

    public double? IsStd { get; init; }

    /// <summary>The logits IS was taken over (<see cref="IFeatureExtractor.LogitsKind"/>); null without IS and in entries older than this field (biased).</summary>
    public string? IsLogits { get; init; }

    public double? KidMean { get; init; }

    public double? KidStd { get; init; }

    public int? KidSubsetSize { get; init; }

    public double? Precision { get; init; }

    public double? Recall { get; init; }

    /// <summary>Real and generated samples precision/recall compared, each (equal sides, Kynkäänniemi et al.); null in entries older than this field, whose real side was the whole real set.</summary>
    public int? PrecisionRecallPerSide { get; init; }

    /// <summary>Share of generated samples nearer (in feature space) to a training image than the calibration threshold.</summary>
    public double? MemorizationShare { get; init; }

    public double? MemorizationThreshold { get; init; }

    /// <summary>The same check in pixel space ([0, 1] pixels as vectors).</summary>
    public double? MemorizationPixelShare { get; init; }

    public double? MemorizationPixelThreshold { get; init; }

    public string? MemorizationGrid { get; init; }

    /// <summary>The papers' test (<see cref="MemorizationRatio"/>): share of samples whose pixel-ℓ2 distance to the nearest training image is below ⅓ of that to the second-nearest.</summary>
    public double? MemorizationRatioShare { get; init; }

    /// <summary>Lower end of the percentile-bootstrap 95% interval of <see cref="MemorizationRatioShare"/>.</summary>
    public double? MemorizationRatioLow { get; init; }

    /// <summary>Upper end of that interval.</summary>
    public double? MemorizationRatioHigh { get; init; }

    /// <summary>Median nearest/second-nearest ratio over the samples.</summary>
    public double? MemorizationRatioMedian { get; init; }

    /// <summary>Bootstrap resamples of the interval.</summary>
    public int? MemorizationRatioResamples { get; init; }

    /// <summary>Seed of the bootstrap's random source.</summary>
    public int? MemorizationRatioSeed { get; init; }

    /// <summary>Carlini et al.'s normalised nearest-neighbour distance ℓ (<see cref="MemorizationNormalizedDistance"/>): its smallest value over the samples.</summary>
    public double? MemorizationNormalizedDistanceMinimum { get; init; }

    /// <summary>1% quantile of ℓ over the samples.</summary>
    public double? MemorizationNormalizedDistancePercentile1 { get; init; }

    /// <summary>5% quantile of ℓ over the samples.</summary>
    public double? MemorizationNormalizedDistancePercentile5 { get; init; }

    /// <summary>Median ℓ over the samples.</summary>
    public double? MemorizationNormalizedDistanceMedian { get; init; }

    /// <summary>n of ℓ's denominator actually used: 50, or the training set's size when it is smaller.</summary>
    public int? MemorizationNormalizedDistanceNeighbors { get; init; }

    /// <summary>α of ℓ's denominator (0.5).</summary>
    public double? MemorizationNormalizedDistanceAlpha { get; init; }

    /// <summary>
    /// What the Fréchet distance, KID and precision/recall compare the samples with when it is not the real set
    /// (<c>ddpm eval --reference</c>): e.g. "Fashion-MNIST test split in '…': 10000 images"; null: the real set
    /// (the training images), also in entries older than this field. Memorisation is always measured against the real set.
    /// </summary>
    public string? Reference { get; init; }

    /// <summary>Content hash of the reference images or file; null without a reference.</summary>
    public string? ReferenceHash { get; init; }

    /// <summary>Images (or feature rows) in the reference; null without a reference.</summary>
    public int? ReferenceCount { get; init; }

    /// <summary>What the Fréchet distance compares: null for generated samples against the real set; "reconstructions vs originals" for an autoencoder.</summary>
    public string? Compared { get; init; }

    /// <summary>An autoencoder's mean per-image PSNR (dB, peak 1) of its reconstructions Decode(μ(x)) of N real images.</summary>
    public double? ReconstructionPsnr { get; init; }

    /// <summary>Mean SSIM of those reconstructions (Wang et al. 2004 constants); null below 11×11 pixels.</summary>
    public double? ReconstructionSsim { get; init; }

    /// <summary>A cascade entry: the upscaler and how it sampled (the base's sampler, steps and guidance are the fields above); null for the base alone.</summary>
    public UpscaleProtocol? Upscale { get; init; }

    /// <summary>A cascade entry: the PNG beside the entry with one row per sample — low resolution | bicubic | super-resolved (<see cref="Sampling.UpscaleComparison"/>).</summary>
    public string? UpscaleComparisonGrid { get; init; }

    public int N { get; init; }

    public int RealCount { get; init; }

    public string Sampler { get; init; } = "";

    public int Steps { get; init; }

    /// <summary>The timesteps' spacing when it was not the sampler's default (e.g. "ddp" for an imported run); null: the default, and in older entries.</summary>
    public string? Spacing { get; init; }

    /// <summary>
    /// The real statistics of the Fréchet distance when they were not the clean real set's: "ddp-trainer" (<see cref="RealStatistics"/>),
    /// comparable with denoising-diffusion-pytorch's Trainer; null: the real set, each image once (also in older entries).
    /// </summary>
    public string? RealStats { get; init; }

    /// <summary>With <see cref="RealStats"/>: how many real images (loader draws, repeats and mirrored ones included) the real statistics were taken over.</summary>
    public int? RealStatsCount { get; init; }

    /// <summary>Classifier-free guidance weight of the samples (class-conditional runs; 0 otherwise).</summary>
    public double Guidance { get; init; }

    /// <summary>Autoguidance: the guide checkpoint, its hash and w; null without (and in older entries).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public AutoGuideProtocol? Guide { get; init; }

    public string Extractor { get; init; } = "";

    /// <summary>Which weights were sampled: "ema" (the default) or "raw" (<c>ddpm eval --raw-weights</c>).</summary>
    public string Weights { get; init; } = "ema";

    public long Seed { get; init; }

    /// <summary>Wall time of the whole checkpoint: loading, sampling, feature extraction and metrics.</summary>
    public double Seconds { get; init; }

    /// <summary>Wall time of the sampling alone (divide by N for seconds per image).</summary>
    public double SamplingSeconds { get; init; }

    public IReadOnlyList<string> Metrics { get; init; } = [];

    public string DatasetHash { get; init; } = "";

    /// <summary>Everything that changes the numbers; an entry with the same step and key is not recomputed.</summary>
    public string SettingsKey { get; init; } = "";

    public IReadOnlyList<string> Notes { get; init; } = [];

    public DateTimeOffset CreatedUtc { get; init; }

    /// <summary>What computed the metrics; null in entries written before it was recorded.</summary>
    public Runtime.SoftwareVersions? Software { get; init; }
}
