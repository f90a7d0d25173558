using SharpDiffusion.Config;

namespace SharpDiffusion.Data;

/// <summary>Fashion-MNIST (Xiao et al. 2017) from its four IDX files: 28×28 grayscale, 10 classes, 60k train / 10k test.</summary>
internal static class FashionMnistSource
{
    /// <summary>Where Debian's dataset-fashion-mnist package puts the files.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist";

    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Bag", "Sneaker", "Ankle boot"];

    private const int Side = 28;

    public static (string Images, string Labels) FindFiles(string folder, bool train)
    {
        if (!Directory.Exists(folder))
            throw new DataException($"Fashion-MNIST folder '{folder}' does not exist; install it with 'apt-get install dataset-fashion-mnist' or set data.path to the folder with the IDX files.");
        var prefix = train ? "train" : "t10k";
        return (Find(folder, $"{prefix}-images-idx3-ubyte"), Find(folder, $"{prefix}-labels-idx1-ubyte"));
    }

    public static string Hash((string Images, string Labels) files, DataConfig config)
    {
        using var hasher = new ContentHasher("fashion-mnist");
        ImageFolderSource.AddSettings(hasher, config);
        hasher.AddFileContent(files.Images);
        hasher.AddFileContent(files.Labels);
        return hasher.Finish();
    }

    public static DecodedSet Decode((string Images, string Labels) files, DataConfig config, IProgress<(int done, int total)>? progress)
    {
        var images = IdxReader.Read(files.Images, expectedDimensions: 3);
        var labels = IdxReader.Read(files.Labels, expectedDimensions: 1);
        if (images.Dimensions[1] != Side || images.Dimensions[2] != Side)
            throw new DataException($"'{files.Images}' holds {images.Dimensions[1]}×{images.Dimensions[2]} images, not Fashion-MNIST's 28×28; check data.path.");
        if (images.Dimensions[0] != labels.Dimensions[0])
            throw new DataException($"'{files.Images}' has {images.Dimensions[0]} images but '{files.Labels}' has {labels.Dimensions[0]} labels; use files of the same split.");
        var bad = Array.FindIndex(labels.Data, l => l >= ClassNames.Count);
        if (bad >= 0)
            throw new DataException($"'{files.Labels}' has label {labels.Data[bad]} at index {bad}, outside Fashion-MNIST's 10 classes; the file is damaged.");

        var count = config.Limit > 0 ? Math.Min(config.Limit, images.Dimensions[0]) : images.Dimensions[0];
        var size = config.ImageSize;
        var imageBytes = config.Channels * size * size;
        var pixels = new byte[count * imageBytes];
        var done = 0;
        Parallel.For(0, count, i =>
        {
            var source = images.Data.AsSpan(i * Side * Side, Side * Side);
            var target = pixels.AsSpan(i * imageBytes, imageBytes);
            if (size == Side && config.Channels == 1)
                source.CopyTo(target);
            else
                ResizePipeline.Apply(source, Side, Side, pixelStride: 1, sourceChannels: 1, size, config.Channels, config.Resize).CopyTo(target);
            var now = Interlocked.Increment(ref done);
            if (now % 1024 == 0 || now == count)
                progress?.Report((now, count));
        });

        var labelValues = new long[count];
        for (var i = 0; i < count; i++)
            labelValues[i] = labels.Data[i];
        return new DecodedSet(pixels, labelValues, config.Channels, size, ClassNames, 0, []);
    }

    private static string Find(string folder, string baseName)
    {
        foreach (var candidate in new[] { baseName + ".gz", baseName })
        {
            var path = Path.Combine(folder, candidate);
            if (File.Exists(path))
                return path;
        }

        throw new DataException($"Fashion-MNIST file '{baseName}(.gz)' is missing from '{folder}'; install 'dataset-fashion-mnist' or set data.path to the folder with the IDX files.");
    }
}
