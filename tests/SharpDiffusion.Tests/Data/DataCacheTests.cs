using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SkiaSharp;

namespace SharpDiffusion.Tests.Data;

public sealed class DataCacheTests : IDisposable
{
    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Images => _folder.Combine("images");

    private string Cache => _folder.Combine("cache");

    private void WriteImages()
    {
        DataTestFiles.Write(Path.Combine(Images, "a", "1.png"), SKEncodedImageFormat.Png, 20, 10, (x, y) => ((byte)(x * 12), (byte)(y * 25), 7, 255));
        DataTestFiles.Write(Path.Combine(Images, "b", "2.jpg"), SKEncodedImageFormat.Jpeg, 16, 16, (x, y) => ((byte)(x * 16), 3, (byte)(y * 16), 255));
        File.WriteAllBytes(Path.Combine(Images, "b", "broken.png"), []);
    }

    private DataConfig Folder(ResizePolicy resize = ResizePolicy.Squash, int size = 8, int channels = 3) =>
        new() { Source = DataSource.Folder, Path = Images, ImageSize = size, Channels = channels, Resize = resize };

    [Fact]
    public void Load_SecondTime_ComesFromCacheAndIsTensorEqual()
    {
        WriteImages();

        using var first = DatasetLoader.Load(Folder(), Cache, out var firstReport);
        using var second = DatasetLoader.Load(Folder(), Cache, out var secondReport);

        Assert.False(firstReport.FromCache);
        Assert.True(secondReport.FromCache);
        Assert.True(File.Exists(Path.Combine(Cache, first.ContentHash + ".bin")));
        Assert.True(DataTestFiles.SameTensor(first.Images, second.Images));
        Assert.True(DataTestFiles.SameTensor(first.Labels, second.Labels));
        Assert.Equal(first.ClassNames, second.ClassNames);
        Assert.Equal(first.ContentHash, second.ContentHash);
        Assert.Equal(1, secondReport.Skipped);
        Assert.Equal(firstReport.SkippedExamples, secondReport.SkippedExamples);
        Assert.Empty(Directory.GetFiles(Cache, "*.tmp"));
    }

    [Fact]
    public void Load_SyntheticSecondTime_ComesFromCacheAndIsTensorEqual()
    {
        var config = new DataConfig { Source = DataSource.Synthetic, SyntheticCount = 12, ImageSize = 16 };

        using var first = DatasetLoader.Load(config, Cache, out _, seed: 4);
        using var second = DatasetLoader.Load(config, Cache, out var report, seed: 4);

        Assert.True(report.FromCache);
        Assert.True(DataTestFiles.SameTensor(first.Images, second.Images));
        Assert.Equal(first.ClassNames, second.ClassNames);
    }

    [Fact]
    public void ContentHash_ChangesWithSizeChannelsPolicyAndSourceBytes()
    {
        WriteImages();
        string HashOf(DataConfig config)
        {
            using var data = DatasetLoader.Load(config, null, out _);
            return data.ContentHash;
        }

        var baseline = HashOf(Folder());
        Assert.Equal(64, baseline.Length);
        Assert.Equal(baseline, HashOf(Folder()));
        Assert.NotEqual(baseline, HashOf(Folder(size: 4)));
        Assert.NotEqual(baseline, HashOf(Folder(channels: 1)));
        Assert.NotEqual(baseline, HashOf(Folder(ResizePolicy.CenterCrop)));
        Assert.NotEqual(baseline, HashOf(Folder(ResizePolicy.Pad)));

        var path = Path.Combine(Images, "a", "1.png");
        var bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 1; // the IEND CRC byte: same pixels, different file
        File.WriteAllBytes(path, bytes);
        Assert.NotEqual(baseline, HashOf(Folder()));
    }

    [Fact]
    public void Load_ChangedSourceFile_MissesTheCache()
    {
        WriteImages();
        using (DatasetLoader.Load(Folder(), Cache, out _))
        {
        }

        DataTestFiles.Write(Path.Combine(Images, "a", "1.png"), SKEncodedImageFormat.Png, 20, 10, DataTestFiles.Solid(1, 1, 1));
        using var reloaded = DatasetLoader.Load(Folder(), Cache, out var report);

        Assert.False(report.FromCache);
        Assert.Equal(1, reloaded.Images[0, 0, 4, 4].item<byte>());
    }

    [Fact]
    public void Load_DamagedCacheFile_IsIgnoredAndRewritten()
    {
        WriteImages();
        using var first = DatasetLoader.Load(Folder(), Cache, out _);
        var cacheFile = Path.Combine(Cache, first.ContentHash + ".bin");
        var bytes = File.ReadAllBytes(cacheFile);
        File.WriteAllBytes(cacheFile, bytes[..(bytes.Length / 2)]);

        using var second = DatasetLoader.Load(Folder(), Cache, out var secondReport);
        using var third = DatasetLoader.Load(Folder(), Cache, out var thirdReport);

        Assert.False(secondReport.FromCache);
        Assert.True(thirdReport.FromCache);
        Assert.True(DataTestFiles.SameTensor(first.Images, second.Images));
        Assert.True(DataTestFiles.SameTensor(first.Images, third.Images));
    }
}
