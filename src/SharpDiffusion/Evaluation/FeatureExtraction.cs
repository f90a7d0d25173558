using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>Runs an extractor over a whole image tensor in batches.</summary>
public static class FeatureExtraction
{
    /// <summary>
    /// Features [N, D] (and logits [N, K] when the extractor has them) of uint8 images [N, 3, H, W]; grayscale
    /// images [N, 1, H, W] are converted to RGB first (<see cref="RgbImages.Ensure"/>).
    /// </summary>
    public static (torch.Tensor Features, torch.Tensor? Logits) ExtractAll(
        IFeatureExtractor extractor,
        torch.Tensor imagesUint8,
        int batchSize = 64,
        IProgress<long>? imagesDone = null)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(imagesUint8);
        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The feature extraction batch size must be at least 1.");
        }

        using var rgb = RgbImages.Ensure(imagesUint8);
        var n = rgb.shape[0];
        var features = new List<torch.Tensor>();
        var logits = new List<torch.Tensor>();
        try
        {
            for (long start = 0; start < n; start += batchSize)
            {
                using var batch = rgb.narrow(0, start, Math.Min(batchSize, n - start));
                var (f, l) = extractor.Extract(batch);
                features.Add(f);
                if (l is not null)
                {
                    logits.Add(l);
                }

                imagesDone?.Report(start + batch.shape[0]);
            }

            var allFeatures = features.Count == 0
                ? torch.zeros(0, extractor.FeatureDim, torch.float32)
                : torch.cat(features, 0);
            var allLogits = logits.Count == 0 ? null : torch.cat(logits, 0);
            return (allFeatures, allLogits);
        }
        finally
        {
            foreach (var t in features.Concat(logits))
            {
                t.Dispose();
            }
        }
    }
}
