using System.Globalization;
using SharpDiffusion.Config;
using TorchSharp;

namespace SharpDiffusion.Data;

/// <summary>Turns a <see cref="DataConfig"/> into one decoded <see cref="ImageDataset"/>, through the on-disk cache when one is given.</summary>
public static class DatasetLoader
{
    /// <summary>
    /// The classes a source has without reading any file: the built-in ones for synthetic and Fashion-MNIST, null for a folder
    /// (its subfolders decide).
    /// </summary>
    public static IReadOnlyList<string>? KnownClassNames(DataSource source) => source switch
    {
        DataSource.Synthetic => SyntheticShapes.ClassNames,
        DataSource.FashionMnist => FashionMnistSource.ClassNames,
        _ => null,
    };

    /// <summary>
    /// Loads the configured source. <paramref name="cacheDir"/> null disables the cache; <paramref name="seed"/> drives
    /// the synthetic source only. Throws <see cref="DataException"/> for a missing or empty folder or when nothing is usable.
    /// Does no console I/O: skipped files are in <paramref name="report"/>.
    /// </summary>
    public static ImageDataset Load(DataConfig config, string? cacheDir, out DataLoadReport report, long seed = 0,
        IProgress<(int done, int total)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.ImageSize < 1)
            throw new DataException($"data.image_size must be at least 1, got {config.ImageSize}; set it to e.g. 32 or 64.");
        if (config.Channels is not (1 or 3))
            throw new DataException($"data.channels must be 1 or 3, got {config.Channels}; set it to 3 for RGB or 1 for grayscale.");

        var plan = Plan(config, seed);
        var cachePath = cacheDir is null ? null : DatasetCache.PathFor(cacheDir, plan.ContentHash);
        var set = cachePath is null ? null : DatasetCache.TryRead(cachePath, config.Channels, config.ImageSize);
        var fromCache = set is not null;
        var cacheNote = "";
        if (set is null)
        {
            set = plan.Decode(progress);
            if (set.Count == 0)
            {
                var example = set.SkippedExamples.Count > 0 ? $", e.g. {set.SkippedExamples[0]}" : "";
                throw new DataException($"None of the {set.Skipped} image files of {plan.Source} could be decoded{example}; check the files or point data.path elsewhere.");
            }

            if (cachePath is not null)
                cacheNote = TryWriteCache(cachePath, set);
        }
        else
        {
            progress?.Report((set.Count, set.Count));
        }

        var description = string.Create(CultureInfo.InvariantCulture,
            $"{plan.Source}: {set.Count} images, {set.ClassNames.Count} classes, {set.Size}×{set.Size}×{set.Channels}{plan.ResizeNote}{(fromCache ? ", from cache" : "")}{cacheNote}");
        report = new DataLoadReport(set.Count, set.Skipped, set.SkippedExamples, fromCache, description);
        return ToDataset(set, plan.ContentHash);
    }

    private sealed record SourcePlan(string Source, string ResizeNote, string ContentHash, Func<IProgress<(int done, int total)>?, DecodedSet> Decode);

    private static SourcePlan Plan(DataConfig config, long seed)
    {
        var resizeNote = ", " + ConfigName(config.Resize);
        switch (config.Source)
        {
            case DataSource.Synthetic:
            {
                var count = config.Limit > 0 ? Math.Min(config.Limit, config.SyntheticCount) : config.SyntheticCount;
                if (count < 1)
                    throw new DataException($"data.synthetic_count must be at least 1, got {config.SyntheticCount}; set it to e.g. 1000.");
                using var hasher = new ContentHasher("synthetic");
                hasher.Add(SyntheticShapes.Version);
                hasher.Add(seed);
                hasher.Add(count);
                hasher.Add(config.ImageSize);
                hasher.Add(config.Channels);
                return new SourcePlan(
                    string.Create(CultureInfo.InvariantCulture, $"synthetic shapes (seed {seed})"), "", hasher.Finish(),
                    _ => SyntheticShapes.Generate(count, config.ImageSize, config.Channels, seed));
            }

            case DataSource.Folder:
            {
                if (string.IsNullOrWhiteSpace(config.Path))
                    throw new DataException("data.path is not set for the folder source; set data.path (or pass --data DIR) to a folder of images.");
                var listing = ImageFolderScanner.Scan(config.Path);
                return new SourcePlan($"folder '{config.Path}' ({listing.Layout})", resizeNote,
                    ImageFolderSource.Hash(listing, config),
                    progress => ImageFolderSource.Decode(listing, config, progress));
            }

            case DataSource.FashionMnist:
            {
                var folder = string.IsNullOrWhiteSpace(config.Path) ? FashionMnistSource.DefaultFolder : config.Path;
                var files = FashionMnistSource.FindFiles(folder, config.TrainSplit);
                return new SourcePlan($"Fashion-MNIST {(config.TrainSplit ? "train" : "test")} split in '{folder}'", "",
                    FashionMnistSource.Hash(files, config),
                    progress => FashionMnistSource.Decode(files, config, progress));
            }

            default:
                throw new DataException($"Data source '{config.Source}' is not known; use synthetic, folder or fashion-mnist.");
        }
    }

    private static string ConfigName(ResizePolicy policy) => policy switch
    {
        ResizePolicy.Squash => "squash",
        ResizePolicy.CenterCrop => "center-crop",
        ResizePolicy.Pad => "pad",
        _ => policy.ToString(),
    };

    /// <summary>A cache that cannot be written costs only speed on the next run, so it is noted in the description rather than thrown.</summary>
    private static string TryWriteCache(string path, DecodedSet set)
    {
        try
        {
            DatasetCache.Write(path, set);
            return "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $" (cache not written: {e.Message})";
        }
    }

    private static ImageDataset ToDataset(DecodedSet set, string contentHash)
    {
        var images = torch.tensor(set.Pixels, [set.Count, set.Channels, set.Size, set.Size], torch.uint8);
        var labels = torch.tensor(set.Labels, [set.Count], torch.int64);
        return new ImageDataset(images, labels, set.ClassNames, contentHash);
    }
}
