using SharpDiffusion.Config;
using SharpDiffusion.Data;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// A held-out reference of <c>ddpm eval --reference</c>: FD, KID and precision/recall then compare the samples with
/// images the model never saw, instead of the training images (memorisation stays against the training images).
/// <list type="bullet">
/// <item><c>test</c>: the test split of a Fashion-MNIST run's source (all 10,000 images, whatever the run's data.limit).</item>
/// <item>a folder of images: loaded through the run's own pipeline (data.image_size, data.channels, data.resize), so
/// images of another size or channel count are resized and converted exactly as the training images were.</item>
/// <item>a file: a .npy feature matrix (<c>ddpm features</c>; all three metrics) or a statistics file (ddpm or
/// pytorch-fid .npz; FD only, KID and precision/recall need the features). Its feature space must be the evaluation's:
/// a file that names another extractor, or has another feature dimension, is refused.</item>
/// </list>
/// </summary>
public static class EvaluationReference
{
    public const string TestSplit = "test";

    /// <summary>
    /// The data config to load the reference images with, or null when <paramref name="reference"/> is a file of
    /// features or statistics. <paramref name="realData"/>: the real set's config (size and channels of the samples).
    /// </summary>
    public static DataConfig? ImageSource(string reference, DataConfig realData)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(realData);
        if (reference == TestSplit)
        {
            if (realData.Source != DataSource.FashionMnist)
                throw new EvaluationException($"--reference {TestSplit} names the test split of a Fashion-MNIST run, but this run's data source is {realData.Source}; pass a folder of held-out images instead.");
            if (!realData.TrainSplit)
                throw new EvaluationException($"--reference {TestSplit} would compare with the images this run trained on (its data.train_split is false); pass a folder of held-out images instead.");
            return realData with { TrainSplit = false, Limit = 0 };
        }

        if (Directory.Exists(reference))
            return realData with { Source = DataSource.Folder, Path = reference, Limit = 0 };
        if (File.Exists(reference)) return null;
        throw new EvaluationException($"--reference '{reference}' is neither '{TestSplit}', a folder of images nor a feature or statistics file; pass one of those.");
    }

    /// <summary>
    /// The features (a .npy) or statistics (otherwise) of a reference file, refused when its extractor or feature
    /// dimension is not <paramref name="extractor"/>'s. Exactly one of the two is non-null.
    /// </summary>
    public static (torch.Tensor? Features, FeatureStatistics? Statistics) LoadFile(string path, IFeatureExtractor extractor)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        var named = PrecomputedFeatures.Extractor(path);
        if (named is not null && named != extractor.Name)
            throw new EvaluationException($"--reference '{path}' holds {named} features but this evaluation extracts {extractor.Name}; pass --extractor {named} or a reference of {extractor.Name} features.");
        if (PrecomputedFeatures.IsFeatureMatrix(path))
        {
            var features = NpyFile.Read(path);
            if (features.dim() != 2 || features.shape[0] < 2 || features.shape[1] != extractor.FeatureDim)
            {
                var shape = string.Join(", ", features.shape);
                features.Dispose();
                throw new EvaluationException($"--reference '{path}' holds an array of shape [{shape}] but {extractor.Name} features are [N ≥ 2, {extractor.FeatureDim}]; write it with ddpm features --extractor {extractor.Name}.");
            }

            return (features, null);
        }

        var statistics = PrecomputedFeatures.Load(path, extractor.Name);
        if (statistics.Dimension != extractor.FeatureDim)
            throw new EvaluationException($"--reference '{path}' holds statistics of {statistics.Dimension}-dimensional features but {extractor.Name} features have {extractor.FeatureDim}; pass statistics of {extractor.Name} features.");
        return (null, statistics);
    }

    /// <summary>Content hash of a reference file, for the settings key.</summary>
    public static string FileHash(string path)
    {
        using var hasher = new ContentHasher("reference-file");
        hasher.AddFileContent(path);
        return hasher.Finish();
    }
}
