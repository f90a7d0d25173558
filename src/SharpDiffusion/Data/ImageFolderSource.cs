using SharpDiffusion.Config;

namespace SharpDiffusion.Data;

/// <summary>Hashes and decodes the files of an <see cref="ImageFolderListing"/>.</summary>
internal static class ImageFolderSource
{
    /// <summary>Files decoded in parallel per round; rounds stop early once <c>limit</c> images are in.</summary>
    private const int ChunkSize = 64;

    public static string Hash(ImageFolderListing listing, DataConfig config)
    {
        using var hasher = new ContentHasher("folder");
        AddSettings(hasher, config);
        hasher.Add(listing.ClassNames.Count);
        foreach (var name in listing.ClassNames)
            hasher.Add(name);
        hasher.Add(listing.Files.Count);
        foreach (var file in listing.Files)
        {
            hasher.Add(file.DisplayName);
            hasher.Add(file.Label);
            hasher.AddFileContent(file.FullPath);
        }

        return hasher.Finish();
    }

    internal static void AddSettings(ContentHasher hasher, DataConfig config)
    {
        hasher.Add(config.ImageSize);
        hasher.Add(config.Channels);
        hasher.Add(config.Resize.ToString());
        hasher.Add(config.Limit);
    }

    /// <summary>Decodes in listing order, keeping the first <c>config.Limit</c> (0 = all) images that decode; the rest are skipped and counted.</summary>
    public static DecodedSet Decode(ImageFolderListing listing, DataConfig config, IProgress<(int done, int total)>? progress)
    {
        var files = listing.Files;
        var limit = config.Limit > 0 ? config.Limit : int.MaxValue;
        var pixels = new byte[files.Count][];
        var reasons = new string?[files.Count];
        var done = 0;
        var loaded = 0;
        var next = 0;
        while (next < files.Count && loaded < limit)
        {
            var end = Math.Min(files.Count, next + ChunkSize);
            Parallel.For(next, end, i =>
            {
                if (TryLoad(files[i], config, out var image, out var reason))
                    pixels[i] = image;
                else
                    reasons[i] = reason;
                progress?.Report((Interlocked.Increment(ref done), files.Count));
            });
            for (var i = next; i < end; i++)
                loaded += reasons[i] is null ? 1 : 0;
            next = end;
        }

        return Assemble(listing, config, pixels, reasons, limit, next);
    }

    private static DecodedSet Assemble(ImageFolderListing listing, DataConfig config, byte[][] pixels, string?[] reasons, int limit, int attempted)
    {
        var imageBytes = config.Channels * config.ImageSize * config.ImageSize;
        var kept = new List<int>();
        var skipped = new List<string>();
        for (var i = 0; i < attempted && kept.Count < limit; i++)
        {
            if (reasons[i] is { } reason)
                skipped.Add($"{listing.Files[i].DisplayName} ({reason})");
            else
                kept.Add(i);
        }

        var all = new byte[kept.Count * imageBytes];
        var labels = new long[kept.Count];
        for (var k = 0; k < kept.Count; k++)
        {
            pixels[kept[k]].CopyTo(all, k * imageBytes);
            labels[k] = listing.Files[kept[k]].Label;
        }

        return new DecodedSet(all, labels, config.Channels, config.ImageSize, listing.ClassNames,
            skipped.Count, skipped.Take(DecodedSet.MaxSkippedExamples).ToList());
    }

    private static bool TryLoad(ImageFile file, DataConfig config, out byte[] image, out string? reason)
    {
        image = [];
        if (!file.TryDecode(out var decoded, out reason))
            return false;
        image = ResizePipeline.Apply(decoded.Rgba, decoded.Width, decoded.Height, pixelStride: 4, sourceChannels: 3,
            config.ImageSize, config.Channels, config.Resize);
        return true;
    }
}
