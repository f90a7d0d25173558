using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SkiaSharp;

namespace SharpDiffusion.Tests.Data;

public sealed class DataImageFolderTests : IDisposable
{
    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private DataConfig Config(string? path = null, int limit = 0) =>
        new() { Source = DataSource.Folder, Path = path ?? _folder.Path, ImageSize = 8, Channels = 3, Limit = limit };

    private static ImageDataset Load(DataConfig config, out DataLoadReport report) =>
        DatasetLoader.Load(config, cacheDir: null, out report);

    private static byte[] Colour(ImageDataset data, int index) =>
        [data.Images[index, 0, 4, 4].item<byte>(), data.Images[index, 1, 4, 4].item<byte>(), data.Images[index, 2, 4, 4].item<byte>()];

    private void Png(string relative, byte r, byte g, byte b) =>
        DataTestFiles.Write(_folder.Combine(relative.Split('/')), SKEncodedImageFormat.Png, 8, 8, DataTestFiles.Solid(r, g, b));

    [Fact]
    public void Load_ClassSubfolders_NamesClassesAfterFoldersInOrdinalOrderAndRecurses()
    {
        Png("dogs/b.png", 0, 0, 255);
        DataTestFiles.Write(_folder.Combine("dogs", "deeper", "c.bmp"), SKEncodedImageFormat.Bmp, 8, 8, DataTestFiles.Solid(0, 255, 0));
        DataTestFiles.Write(_folder.Combine("cats", "a.webp"), SKEncodedImageFormat.Webp, 8, 8, DataTestFiles.Solid(255, 0, 0));
        File.WriteAllText(_folder.Combine("cats", "notes.txt"), "not an image and not counted");

        using var data = Load(Config(), out var report);

        Assert.Equal(["cats", "dogs"], data.ClassNames);
        Assert.Equal([0L, 1, 1], data.Labels.data<long>().ToArray());
        Assert.Equal([255, 0, 0], Colour(data, 0));
        Assert.Equal([0, 0, 255], Colour(data, 1)); // "dogs/b.png" sorts before "dogs/deeper/c.bmp"
        Assert.Equal([0, 255, 0], Colour(data, 2));
        Assert.Equal(3, report.Loaded);
        Assert.Equal(0, report.Skipped);
        Assert.False(report.FromCache);
        Assert.Equal([3L, 3, 8, 8], data.Images.shape);
    }

    [Fact]
    public void Load_SysuLayout_ReadsOnlyImagesAndIgnoresContoursAndAnnotations()
    {
        Png("car/images/1.png", 255, 0, 0);
        DataTestFiles.Write(_folder.Combine("car", "images", "2.jpg"), SKEncodedImageFormat.Jpeg, 8, 8, DataTestFiles.Solid(255, 0, 0));
        Png("car/contours/1.png", 0, 255, 0);
        Png("car/annotations/1.png", 0, 255, 0);
        File.WriteAllText(_folder.Combine("car", "annotations", "1.txt"), "bbox 0 0 8 8");
        DataTestFiles.Write(_folder.Combine("boat", "images", "3.jpg"), SKEncodedImageFormat.Jpeg, 8, 8, DataTestFiles.Solid(0, 0, 255));
        Png("boat/contours/3.png", 0, 255, 0);

        using var data = Load(Config(), out var report);

        Assert.Equal(["boat", "car"], data.ClassNames);
        Assert.Equal([0L, 1, 1], data.Labels.data<long>().ToArray());
        for (var i = 0; i < data.Count; i++)
            Assert.True(Colour(data, i)[1] < 20, "a green contour or annotation image was loaded");
        Assert.Contains("SYSU-Shapes layout", report.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ImagesDirectlyInFolder_AreOneClassNamedAfterTheFolder()
    {
        var root = _folder.Combine("flowers");
        DataTestFiles.Write(Path.Combine(root, "a.png"), SKEncodedImageFormat.Png, 8, 8, DataTestFiles.Solid(1, 2, 3));
        DataTestFiles.Write(Path.Combine(root, "b.png"), SKEncodedImageFormat.Png, 8, 8, DataTestFiles.Solid(1, 2, 3));

        using var data = Load(Config(root), out _);

        Assert.Equal(["flowers"], data.ClassNames);
        Assert.Equal(2, data.Count);
    }

    [Fact]
    public void Load_BrokenFiles_AreSkippedCountedAndNamed()
    {
        Png("a/good.png", 9, 9, 9);
        File.WriteAllBytes(_folder.Combine("a", "zero.png"), []);
        File.WriteAllBytes(_folder.Combine("a", "garbage.jpg"), [.. Enumerable.Range(0, 300).Select(i => (byte)(i * 7))]);
        var png = DataTestFiles.Encode(SKEncodedImageFormat.Png, 32, 32, (x, y) => ((byte)x, (byte)y, (byte)(x * y), 255));
        File.WriteAllBytes(_folder.Combine("a", "truncated.png"), png[..(png.Length / 2)]);
        File.WriteAllBytes(_folder.Combine("a", "bomb.png"), DataTestFiles.PngDeclaring(20000, 20000));

        using var data = Load(Config(), out var report);

        Assert.Equal(1, data.Count);
        Assert.Equal(1, report.Loaded);
        Assert.Equal(4, report.Skipped);
        foreach (var name in new[] { "zero.png", "garbage.jpg", "truncated.png", "bomb.png" })
            Assert.Contains(report.SkippedExamples, e => e.Contains(name, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_OnlyBrokenFiles_ThrowsDataException()
    {
        File.WriteAllBytes(_folder.Combine("zero.png"), []);

        var error = Assert.Throws<DataException>(() => Load(Config(), out _));

        Assert.Contains("could be decoded", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFolder_ThrowsDataExceptionNamingIt()
    {
        var missing = _folder.Combine("nope");

        var error = Assert.Throws<DataException>(() => Load(Config(missing), out _));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_EmptyFolderOrOnlyOtherFiles_ThrowsDataException()
    {
        Directory.CreateDirectory(_folder.Combine("emptyclass"));
        File.WriteAllText(_folder.Combine("readme.txt"), "no images here");

        var error = Assert.Throws<DataException>(() => Load(Config(), out _));

        Assert.Contains("contains no images", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderSourceWithoutPath_ThrowsDataException()
    {
        var config = new DataConfig { Source = DataSource.Folder, Path = null };

        Assert.Throws<DataException>(() => Load(config, out _));
    }

    [Fact]
    public void Load_SymlinkLoop_TerminatesAndCountsEachRealFileOncePerClass()
    {
        Png("a/img.png", 5, 5, 5);
        Directory.CreateSymbolicLink(_folder.Combine("a", "loop"), _folder.Path); // a/loop → root → a → loop → ...
        Directory.CreateSymbolicLink(_folder.Combine("b"), _folder.Combine("a")); // a top-level class link is followed

        using var data = Load(Config(), out _);

        Assert.Equal(["a", "b"], data.ClassNames);
        Assert.Equal(2, data.Count);
    }

    [Fact]
    public void Load_Limit_KeepsTheFirstImagesInOrdinalOrder()
    {
        Png("x/3.png", 30, 30, 30);
        Png("x/1.png", 10, 10, 10);
        Png("x/2.png", 20, 20, 20);
        Png("y/0.png", 40, 40, 40);

        using var data = Load(Config(limit: 2), out var report);

        Assert.Equal(2, data.Count);
        Assert.Equal([10, 10, 10], Colour(data, 0));
        Assert.Equal([20, 20, 20], Colour(data, 1));
        Assert.Equal(2, report.Loaded);
    }
}
