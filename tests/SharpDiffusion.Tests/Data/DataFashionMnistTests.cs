using System.Buffers.Binary;
using System.IO.Compression;
using SharpDiffusion.Config;
using SharpDiffusion.Data;

namespace SharpDiffusion.Tests.Data;

public sealed class DataFashionMnistTests : IDisposable
{
    private static readonly byte[] LabelValues = [9, 0, 3];
    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Pixel (x, y) of image i is (i·50 + x + y) mod 256: every pixel is known.</summary>
    private static byte Expected(int image, int x, int y) => (byte)(((image * 50) + x + y) % 256);

    private static byte[] Idx(byte dimensionCount, int[] dimensions, byte[] data)
    {
        var bytes = new byte[4 + (4 * dimensions.Length) + data.Length];
        bytes[2] = 0x08;
        bytes[3] = dimensionCount;
        for (var d = 0; d < dimensions.Length; d++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dimensions[d]);
        data.CopyTo(bytes, 4 + (4 * dimensions.Length));
        return bytes;
    }

    private static byte[] ImagesIdx(int count = 3)
    {
        var data = new byte[count * 28 * 28];
        for (var i = 0; i < count; i++)
        {
            for (var y = 0; y < 28; y++)
            {
                for (var x = 0; x < 28; x++)
                    data[(i * 784) + (y * 28) + x] = Expected(i, x, y);
            }
        }

        return Idx(3, [count, 28, 28], data);
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            gzip.Write(bytes);
        return output.ToArray();
    }

    private void WriteSplit(string prefix, bool gzip, byte[]? images = null, byte[]? labels = null)
    {
        images ??= ImagesIdx();
        labels ??= Idx(1, [LabelValues.Length], LabelValues);
        var suffix = gzip ? ".gz" : "";
        File.WriteAllBytes(_folder.Combine($"{prefix}-images-idx3-ubyte{suffix}"), gzip ? Gzip(images) : images);
        File.WriteAllBytes(_folder.Combine($"{prefix}-labels-idx1-ubyte{suffix}"), gzip ? Gzip(labels) : labels);
    }

    private DataConfig Config(int size = 28, int channels = 1, bool train = true, int limit = 0) => new()
    {
        Source = DataSource.FashionMnist, Path = _folder.Path, ImageSize = size, Channels = channels, TrainSplit = train, Limit = limit,
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Load_IdxFiles_DecodesEveryPixelAndLabelExactly(bool gzip)
    {
        WriteSplit("train", gzip);

        using var data = DatasetLoader.Load(Config(), null, out var report);

        Assert.Equal([3L, 1, 28, 28], data.Images.shape);
        var pixels = data.Images.data<byte>().ToArray();
        for (var i = 0; i < 3; i++)
        {
            for (var y = 0; y < 28; y++)
            {
                for (var x = 0; x < 28; x++)
                    Assert.Equal(Expected(i, x, y), pixels[(i * 784) + (y * 28) + x]);
            }
        }

        Assert.Equal([9L, 0, 3], data.Labels.data<long>().ToArray());
        Assert.Equal("Ankle boot", data.ClassNames[9]);
        Assert.Equal("T-shirt/top", data.ClassNames[0]);
        Assert.Equal(10, data.ClassNames.Count);
        Assert.Equal(3, report.Loaded);
    }

    [Fact]
    public void Load_TestSplitThreeChannels_ReadsT10kFilesAndReplicatesGray()
    {
        WriteSplit("t10k", gzip: true);

        using var data = DatasetLoader.Load(Config(channels: 3, train: false), null, out _);

        Assert.Equal([3L, 3, 28, 28], data.Images.shape);
        for (var c = 0; c < 3; c++)
            Assert.Equal(Expected(1, 5, 7), data.Images[1, c, 7, 5].item<byte>());
    }

    [Fact]
    public void Load_OtherImageSize_ResizesAConstantImageToTheSameConstant()
    {
        var data = Enumerable.Repeat((byte)90, 28 * 28).ToArray();
        WriteSplit("train", gzip: false, images: Idx(3, [1, 28, 28], data), labels: Idx(1, [1], [4]));

        using var dataset = DatasetLoader.Load(Config(size: 32, limit: 0), null, out _);

        Assert.Equal([1L, 1, 32, 32], dataset.Images.shape);
        using var min = dataset.Images.min();
        using var max = dataset.Images.max();
        Assert.Equal(90, min.item<byte>());
        Assert.Equal(90, max.item<byte>());
    }

    [Fact]
    public void Load_Limit_KeepsTheFirstImages()
    {
        WriteSplit("train", gzip: true);

        using var data = DatasetLoader.Load(Config(limit: 2), null, out _);

        Assert.Equal([9L, 0], data.Labels.data<long>().ToArray());
    }

    [Fact]
    public void Load_WrongMagic_ThrowsDataException()
    {
        var labelsAsImages = Idx(1, [3], LabelValues);
        WriteSplit("train", gzip: false, images: labelsAsImages);

        var error = Assert.Throws<DataException>(() => DatasetLoader.Load(Config(), null, out _));

        Assert.Contains("0x00000803", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TruncatedData_ThrowsDataException()
    {
        var images = ImagesIdx();
        WriteSplit("train", gzip: true, images: images[..^10]);

        Assert.Throws<DataException>(() => DatasetLoader.Load(Config(), null, out _));
    }

    [Fact]
    public void Load_CountMismatch_ThrowsDataException()
    {
        WriteSplit("train", gzip: false, labels: Idx(1, [2], [1, 2]));

        var error = Assert.Throws<DataException>(() => DatasetLoader.Load(Config(), null, out _));

        Assert.Contains("3 images", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFiles_ThrowsDataExceptionNamingTheFile()
    {
        var error = Assert.Throws<DataException>(() => DatasetLoader.Load(Config(), null, out _));

        Assert.Contains("train-images-idx3-ubyte", error.Message, StringComparison.Ordinal);
    }
}
