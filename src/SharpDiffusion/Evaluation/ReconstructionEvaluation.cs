using SharpDiffusion.Data;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Evaluates an autoencoder checkpoint on the first N images x of the real set: reconstructions x̂ = Decode(μ(x)) (the EMA
/// weights unless raw), their mean PSNR and SSIM against x, and the Fréchet distance between the extractor's features of
/// x̂ and of the same x ("reconstructions vs originals": the floor a latent diffusion model on these latents cannot beat).
/// The sampling metrics (IS, KID, precision/recall, memorisation) do not apply and are noted as such.
/// </summary>
public static class ReconstructionEvaluation
{
    /// <summary>What an autoencoder entry records as its sampler.</summary>
    public const string SamplerName = "reconstruction";

    public const string ComparedLabel = "reconstructions vs originals";

    // held Scalars: see Scaled
    private static readonly Scalar PixelMax = 255.0.ToScalar();

    /// <param name="realFeatures">The extractor's features of the whole real set, in its order (the first N rows are used).</param>
    public static EvaluationEntry Evaluate(string checkpoint, EvaluationProtocol protocol, ImageDataset real, Tensor realFeatures, IFeatureExtractor extractor,
        Device device, IEvaluationProgress progress, int step)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(realFeatures);
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(progress);
        using var loaded = LoadedAutoencoder.Load(checkpoint, device, useEma: !protocol.RawWeights);
        if (loaded.Metadata.ImageSize != real.ImageSize || loaded.Metadata.Channels != real.Channels)
            throw new EvaluationException($"checkpoint step {step} encodes {loaded.Metadata.ImageSize}×{loaded.Metadata.ImageSize}×{loaded.Metadata.Channels} images but the real set is {real.ImageSize}×{real.ImageSize}×{real.Channels}; pass --data with the run's own images.");
        int n = Math.Min(protocol.N, real.Count);
        using var originals = real.Images.narrow(0, 0, n);
        using var reconstructed = progress.Phase($"step {step}: reconstructing {n} images", n, p => Reconstruct(loaded, originals, protocol.Batch, device, p));
        var notes = new List<string>();
        if (n < protocol.N) notes.Add($"n: {n} reconstructions (the real set has {real.Count} images, fewer than --n {protocol.N})");
        foreach (var metric in protocol.Metrics.Where(m => m != EvaluationMetricNames.Frechet))
            notes.Add($"{metric}: not applicable to an autoencoder (it reconstructs, it does not sample)");

        using var unitOriginals = originals.to(ScalarType.Float32).div(PixelMax);
        using var unitReconstructed = reconstructed.to(ScalarType.Float32).div(PixelMax);
        double psnr = ReconstructionQuality.Psnr(unitOriginals, unitReconstructed);
        double? ssim = real.ImageSize >= 11 ? ReconstructionQuality.Ssim(unitOriginals, unitReconstructed) : null;
        if (ssim is null) notes.Add("ssim: images smaller than the 11×11 window");

        var entry = new EvaluationEntry { Metrics = protocol.Metrics, Software = Runtime.SoftwareVersions.Current, ReconstructionPsnr = psnr, ReconstructionSsim = ssim, Compared = ComparedLabel };
        if (protocol.Metrics.Contains(EvaluationMetricNames.Frechet))
        {
            var (features, logits) = progress.Phase($"step {step}: {extractor.Name} features", n, p => FeatureExtraction.ExtractAll(extractor, reconstructed, protocol.Batch, p));
            logits?.Dispose();
            using (features)
            using (var originalFeatures = realFeatures.narrow(0, 0, n))
            {
                var a = FeatureStatistics.FromFeatures(originalFeatures, extractor.Name);
                var b = FeatureStatistics.FromFeatures(features, extractor.Name);
                entry = entry with { Fd = FrechetDistance.Compute(a, b), FrechetLabel = FeatureExtractors.FrechetLabel(extractor.Name) };
            }
        }
        return entry with { N = n, Sampler = SamplerName, Steps = 0, Guidance = 0, Notes = notes };
    }

    /// <summary>uint8 reconstructions [N, C, H, W] of uint8 images, <paramref name="batch"/> at a time.</summary>
    private static Tensor Reconstruct(LoadedAutoencoder autoencoder, Tensor images, int batch, Device device, IProgress<long> done)
    {
        var parts = new List<Tensor>();
        using var _ = no_grad();
        for (int first = 0; first < images.shape[0]; first += batch)
        {
            using var scope = NewDisposeScope();
            int count = (int)Math.Min(batch, images.shape[0] - first);
            var x = ImageCodec.FromUint8(images.narrow(0, first, count).to(device));
            var reconstruction = autoencoder.Model.call(x);
            parts.Add(ImageCodec.ToUint8(reconstruction).cpu().MoveToOuterDisposeScope());
            done.Report(first + count);
        }
        var all = cat(parts, 0);
        foreach (var part in parts) part.Dispose();
        return all;
    }
}
