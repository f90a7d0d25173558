using SharpDiffusion.Config;
using SharpDiffusion.Data;

namespace SharpDiffusion.Tests.Data;

public sealed class DataSyntheticShapesTests
{
    private static ImageDataset Load(int count, long seed, int size = 32, int channels = 3) =>
        DatasetLoader.Load(new DataConfig { Source = DataSource.Synthetic, SyntheticCount = count, ImageSize = size, Channels = channels },
            cacheDir: null, out _, seed);

    [Fact]
    public void Load_SameSeed_GivesIdenticalImages()
    {
        using var first = Load(50, seed: 1);
        using var second = Load(50, seed: 1);

        Assert.True(DataTestFiles.SameTensor(first.Images, second.Images));
        Assert.Equal(first.ContentHash, second.ContentHash);
    }

    [Fact]
    public void Load_DifferentSeeds_GiveDifferentImagesAndHashes()
    {
        using var first = Load(50, seed: 1);
        using var second = Load(50, seed: 2);

        Assert.False(DataTestFiles.SameTensor(first.Images, second.Images));
        Assert.NotEqual(first.ContentHash, second.ContentHash);
    }

    [Fact]
    public void Load_FewerImages_AreAPrefixOfMoreImages()
    {
        using var small = Load(7, seed: 3);
        using var large = Load(20, seed: 3);

        using var prefix = large.Images[..7];
        Assert.True(DataTestFiles.SameTensor(small.Images, prefix));
    }

    [Fact]
    public void Load_FiveShapeClassesInTurn()
    {
        using var data = Load(10, seed: 0);

        Assert.Equal(["circle", "square", "triangle", "plus", "star"], data.ClassNames);
        Assert.Equal([0L, 1, 2, 3, 4, 0, 1, 2, 3, 4], data.Labels.data<long>().ToArray());
    }

    [Fact]
    public void Load_EachImageIsAContrastingShapeOnAPlainBackground()
    {
        using var data = Load(50, seed: 5);
        var pixels = data.Images.data<byte>().ToArray();
        const int plane = 32 * 32;

        for (var i = 0; i < data.Count; i++)
        {
            var start = i * 3 * plane;
            // Shapes stay at least one pixel from the edges, so the corner is pure background.
            var background = new[] { pixels[start], pixels[start + plane], pixels[start + (2 * plane)] };
            var differing = 0;
            for (var p = 0; p < plane; p++)
            {
                var distance = 0;
                for (var c = 0; c < 3; c++)
                    distance += Math.Abs(pixels[start + (c * plane) + p] - background[c]);
                differing += distance > 60 ? 1 : 0;
            }

            // Smallest shape (star or triangle at radius 0.26·32) covers about 8% of the image, the largest under half.
            Assert.InRange(differing / (double)plane, 0.03, 0.6);
        }
    }

    [Fact]
    public void Load_OneChannel_IsTheLumaOfTheColourImage()
    {
        using var colour = Load(5, seed: 9);
        using var gray = Load(5, seed: 9, channels: 1);

        Assert.Equal([5L, 1, 32, 32], gray.Images.shape);
        var rgb = colour.Images.data<byte>().ToArray();
        var luma = gray.Images.data<byte>().ToArray();
        const int plane = 32 * 32;
        for (var p = 0; p < plane; p++)
        {
            var expected = (0.299 * rgb[p]) + (0.587 * rgb[plane + p]) + (0.114 * rgb[(2 * plane) + p]);
            Assert.InRange(luma[p], expected - 0.51, expected + 0.51);
        }
    }

    [Fact]
    public void Load_ThousandImagesAt32_HasThemAll()
    {
        // Speed is not asserted here (a loaded 2-core machine would make it flaky); docs/BENCHMARKS.md measures it.
        using var data = Load(1000, seed: 0);

        Assert.Equal(1000, data.Count);
    }
}
