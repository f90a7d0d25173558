using System.Security.Cryptography;
using System.Text;
using SharpDiffusion.Training;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Features of a real image set, cached on disk per (dataset content hash, extractor identity, resize policy), so
/// a second evaluation of the same data reuses them and any change to one of the three recomputes them. Files:
/// <c>&lt;key&gt;.npy</c> (features), <c>&lt;key&gt;.stats</c> (mean/covariance, usable with <c>ddpm fid</c>).
/// </summary>
public sealed class ReferenceFeatureCache(string directory)
{
    public string Directory { get; } = directory;

    public static string Key(string datasetHash, string extractorIdentity, string resizePolicy)
    {
        var text = $"{datasetHash}\n{extractorIdentity}\n{resizePolicy}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];
    }

    public string FeaturesPath(string key) => Path.Combine(Directory, key + ".npy");

    public string StatisticsPath(string key) => Path.Combine(Directory, key + ".stats");

    /// <summary>The cached features for <paramref name="key"/>, or those of <paramref name="compute"/> (then written to the cache).</summary>
    public torch.Tensor GetOrCompute(string key, string extractorName, Func<torch.Tensor> compute, out bool fromCache)
    {
        var path = FeaturesPath(key);
        if (File.Exists(path))
        {
            try
            {
                fromCache = true;
                return NpyFile.Read(path);
            }
            catch (InvalidDataException)
            {
                // A damaged cache entry costs only time: recompute below and overwrite it.
            }
        }

        fromCache = false;
        var features = compute();
        try
        {
            AtomicFile.Write(path, stream => NpyFile.Write(stream, features));
            var statistics = FeatureStatistics.FromFeatures(features, extractorName);
            AtomicFile.Write(StatisticsPath(key), stream => statistics.Save(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unwritable cache directory makes the next run slower, nothing else.
        }

        return features;
    }

    /// <summary>"resnet18", or the name plus a SHA-256 prefix of the weights / TorchScript file, so new weights never hit old features.</summary>
    public static string ExtractorIdentity(IFeatureExtractor extractor, string? weightsFile)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        var file = extractor.Name.StartsWith(FeatureExtractors.TorchScriptPrefix, StringComparison.Ordinal) ? (extractor as TorchScriptExtractor)?.Path : weightsFile;
        if (extractor.Name == ResNet18OnnxExtractor.ExtractorName || file is null || !File.Exists(file))
        {
            return extractor.Name;
        }

        using var stream = File.OpenRead(file);
        return $"{extractor.Name}@{Convert.ToHexStringLower(SHA256.HashData(stream))[..16]}";
    }
}
