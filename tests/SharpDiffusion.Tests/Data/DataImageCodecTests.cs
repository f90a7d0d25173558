using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SkiaSharp;
using TorchSharp;

namespace SharpDiffusion.Tests.Data;

public sealed class DataImageCodecTests : IDisposable
{
    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static byte[] Pixel(torch.Tensor image, int x, int y) =>
        Enumerable.Range(0, (int)image.shape[0]).Select(c => image[c, y, x].item<byte>()).ToArray();

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Bmp)]
    [InlineData(SKEncodedImageFormat.Webp)]
    public void LoadImage_LosslessFormats_ReturnExactPixels(SKEncodedImageFormat format)
    {
        // Top half red, bottom half blue: also catches BMP's bottom-up row order.
        var path = DataTestFiles.Write(_folder.Combine("image." + format), format, 8, 8,
            (_, y) => y < 4 ? ((byte)255, (byte)0, (byte)0, (byte)255) : ((byte)0, (byte)0, (byte)255, (byte)255));

        using var image = ImageCodec.LoadImage(path, 8, 3, ResizePolicy.Squash);

        Assert.Equal([3L, 8, 8], image.shape);
        Assert.Equal(torch.ScalarType.Byte, image.dtype);
        Assert.Equal([255, 0, 0], Pixel(image, 5, 1));
        Assert.Equal([0, 0, 255], Pixel(image, 2, 6));
    }

    [Fact]
    public void LoadImage_Jpeg_ReturnsColourWithinCompressionError()
    {
        var path = DataTestFiles.Write(_folder.Combine("image.jpg"), SKEncodedImageFormat.Jpeg, 16, 16, DataTestFiles.Solid(200, 50, 100));

        using var image = ImageCodec.LoadImage(path, 16, 3, ResizePolicy.Squash);

        var pixel = Pixel(image, 8, 8);
        Assert.InRange(pixel[0], 196, 204);
        Assert.InRange(pixel[1], 46, 54);
        Assert.InRange(pixel[2], 96, 104);
    }

    [Fact]
    public void LoadImage_GrayscalePng_ReplicatesToRgbOrStaysSingleChannel()
    {
        var path = DataTestFiles.WriteGrayPng(_folder.Combine("gray.png"), 8, 8, 77);
        Assert.Equal(0, File.ReadAllBytes(path)[25]); // IHDR colour type 0: the test file really is grayscale

        using var rgb = ImageCodec.LoadImage(path, 8, 3, ResizePolicy.Squash);
        using var gray = ImageCodec.LoadImage(path, 8, 1, ResizePolicy.Squash);

        Assert.Equal([77, 77, 77], Pixel(rgb, 3, 3));
        Assert.Equal([1L, 8, 8], gray.shape);
        Assert.Equal([77], Pixel(gray, 3, 3));
    }

    [Fact]
    public void LoadImage_RgbToOneChannel_UsesBt601Luma()
    {
        var path = DataTestFiles.Write(_folder.Combine("red.png"), SKEncodedImageFormat.Png, 8, 8, DataTestFiles.Solid(255, 0, 0));

        using var gray = ImageCodec.LoadImage(path, 8, 1, ResizePolicy.Squash);

        Assert.Equal([76], Pixel(gray, 0, 0)); // round(0.299 · 255) = round(76.245)
    }

    [Fact]
    public void LoadImage_RgbaPng_CompositesOverWhite()
    {
        // Left half (200, 100, 0) at α = 128, right half fully transparent.
        var path = DataTestFiles.Write(_folder.Combine("alpha.png"), SKEncodedImageFormat.Png, 8, 8,
            (x, _) => x < 4 ? ((byte)200, (byte)100, (byte)0, (byte)128) : ((byte)10, (byte)20, (byte)30, (byte)0));

        using var image = ImageCodec.LoadImage(path, 8, 3, ResizePolicy.Squash);

        // c·α/255 + 255·(1 − α/255): 200 → 227.39, 100 → 177.19, 0 → 127.0.
        Assert.Equal([227, 177, 127], Pixel(image, 1, 1));
        Assert.Equal([255, 255, 255], Pixel(image, 6, 1));
    }

    private static readonly (byte, byte, byte)[] Stripes = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)];

    /// <summary>64×32: four 16-pixel vertical stripes red, green, blue, white.</summary>
    private string WriteStripes() =>
        DataTestFiles.Write(_folder.Combine("stripes.png"), SKEncodedImageFormat.Png, 64, 32, (x, _) =>
        {
            var (r, g, b) = Stripes[x / 16];
            return (r, g, b, 255);
        });

    [Fact]
    public void LoadImage_Squash_KeepsAllFourStripesAcrossTheWidth()
    {
        using var image = ImageCodec.LoadImage(WriteStripes(), 16, 3, ResizePolicy.Squash);

        // Each stripe becomes 4 columns; columns 4k+1 and 4k+2 are beyond the kernel reach of the neighbours.
        for (var stripe = 0; stripe < 4; stripe++)
        {
            var (r, g, b) = Stripes[stripe];
            foreach (var y in new[] { 0, 7, 15 })
            {
                Assert.Equal([r, g, b], Pixel(image, (4 * stripe) + 1, y));
                Assert.Equal([r, g, b], Pixel(image, (4 * stripe) + 2, y));
            }
        }
    }

    [Fact]
    public void LoadImage_CenterCrop_KeepsOnlyTheMiddleStripes()
    {
        using var image = ImageCodec.LoadImage(WriteStripes(), 16, 3, ResizePolicy.CenterCrop);

        // The centre 32×32 is source columns 16..47: green then blue.
        for (var y = 0; y < 16; y++)
        {
            for (var x = 0; x <= 6; x++)
                Assert.Equal([0, 255, 0], Pixel(image, x, y));
            for (var x = 9; x < 16; x++)
                Assert.Equal([0, 0, 255], Pixel(image, x, y));
        }
    }

    [Fact]
    public void LoadImage_Pad_FitsTheWholeImageAndFillsWithTheBorderColour()
    {
        // 64×32 with an 8-pixel white frame around a black interior; padded to 16 it becomes 16×8 at rows 4..11.
        var path = DataTestFiles.Write(_folder.Combine("frame.png"), SKEncodedImageFormat.Png, 64, 32, (x, y) =>
            x < 8 || x >= 56 || y < 8 || y >= 24 ? ((byte)255, (byte)255, (byte)255, (byte)255) : ((byte)0, (byte)0, (byte)0, (byte)255));

        using var image = ImageCodec.LoadImage(path, 16, 3, ResizePolicy.Pad);

        for (var x = 0; x < 16; x++)
        {
            foreach (var y in new[] { 0, 3, 12, 15 })
                Assert.Equal([255, 255, 255], Pixel(image, x, y));
        }

        Assert.Equal([0, 0, 0], Pixel(image, 8, 8));
        Assert.Equal([0, 0, 0], Pixel(image, 7, 7));
    }

    [Theory]
    [InlineData(ResizePolicy.Squash)]
    [InlineData(ResizePolicy.CenterCrop)]
    [InlineData(ResizePolicy.Pad)]
    public void LoadImage_OnePixelCheckerboardDownscaled_AveragesInsteadOfAliasing(ResizePolicy policy)
    {
        var path = DataTestFiles.Write(_folder.Combine("checker.png"), SKEncodedImageFormat.Png, 64, 64, (x, y) =>
        {
            var v = (byte)((x + y) % 2 == 0 ? 255 : 0);
            return (v, v, v, 255);
        });

        using var image = ImageCodec.LoadImage(path, 16, 1, policy);

        // Point sampling would give only 0 or 255; a 4× antialiased kernel averages to 127.5.
        using var min = image.min();
        using var max = image.max();
        Assert.InRange(min.item<byte>(), 126, 129);
        Assert.InRange(max.item<byte>(), 126, 129);
    }

    [Theory]
    [InlineData(new byte[0], "empty file")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, "not a JPEG")]
    public void LoadImage_UnusableBytes_ThrowsDataExceptionNamingTheFile(byte[] content, string reason)
    {
        var path = _folder.Combine("bad.png");
        File.WriteAllBytes(path, content);

        var error = Assert.Throws<DataException>(() => ImageCodec.LoadImage(path, 8, 3, ResizePolicy.Squash));

        Assert.Contains("bad.png", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SKEncodedImageFormat.Png)]
    [InlineData(SKEncodedImageFormat.Jpeg)]
    public void LoadImage_TruncatedFile_ThrowsDataException(SKEncodedImageFormat format)
    {
        var bytes = DataTestFiles.Encode(format, 64, 64, (x, y) => ((byte)(x * 4), (byte)(y * 4), (byte)(x ^ y), 255));
        var path = _folder.Combine("cut." + format);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        Assert.Throws<DataException>(() => ImageCodec.LoadImage(path, 8, 3, ResizePolicy.Squash));
    }

    [Fact]
    public void LoadImage_HeaderBeyondTheSizeGuard_ThrowsWithoutDecoding()
    {
        var path = _folder.Combine("bomb.png");
        File.WriteAllBytes(path, DataTestFiles.PngDeclaring(20000, 20000));

        var error = Assert.Throws<DataException>(() => ImageCodec.LoadImage(path, 8, 3, ResizePolicy.Squash));

        Assert.Contains("20000×20000", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public void SavePng_ThenLoadImage_RoundTripsExactly(int channels)
    {
        using var original = torch.randint(0, 256, [channels, 12, 12], torch.uint8, generator: new torch.Generator(7));
        var path = _folder.Combine("round.png");

        ImageCodec.SavePng(original, path);
        using var loaded = ImageCodec.LoadImage(path, 12, channels, ResizePolicy.Squash);

        Assert.True(DataTestFiles.SameTensor(original, loaded));
        Assert.Empty(Directory.GetFiles(_folder.Path, "*.tmp"));
    }

    private static readonly float[] FloatPixels = [0f, 0.5f, 1f, 0.2f];

    [Fact]
    public void SavePng_FloatInput_MapsZeroOneTo0To255()
    {
        using var image = torch.tensor(FloatPixels, [1, 2, 2]);
        var path = _folder.Combine("float.png");

        ImageCodec.SavePng(image, path);
        using var loaded = ImageCodec.LoadImage(path, 2, 1, ResizePolicy.Squash);

        Assert.Equal(new byte[] { 0, 128, 255, 51 }, loaded.data<byte>().ToArray()); // round(127.5) = 128 (half to even), round(51.0) = 51
    }

    private static readonly float[] SignedValues = [-1f, 0f, 1f, 2f, -3f, 0.5f];

    [Fact]
    public void ToUint8_MapsMinusOneToOneRoundedAndClamped()
    {
        using var x = torch.tensor(SignedValues);

        using var bytes = ImageCodec.ToUint8(x);

        Assert.Equal(torch.ScalarType.Byte, bytes.dtype);
        Assert.Equal(new byte[] { 0, 128, 255, 255, 0, 191 }, bytes.data<byte>().ToArray()); // 1.5 · 127.5 = 191.25
    }

    [Fact]
    public void SaveGrid_FiveImagesInThreeColumns_PlacesTilesRowMajorWithPadding()
    {
        // Image i is a solid 4×4 tile of grey level 40·(i+1).
        using var images = torch.arange(1, 6, torch.uint8).mul(40).view(5, 1, 1, 1).expand(5, 3, 4, 4).contiguous();
        var path = _folder.Combine("grid.png");

        ImageCodec.SaveGrid(images, path, columns: 3, padding: 1);

        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal(1 + (3 * 5), bitmap.Width);
        Assert.Equal(1 + (2 * 5), bitmap.Height);
        for (var i = 0; i < 5; i++)
        {
            var x = 1 + (i % 3 * 5);
            var y = 1 + (i / 3 * 5);
            Assert.Equal((byte)(40 * (i + 1)), bitmap.GetPixel(x + 2, y + 2).Red);
        }

        Assert.Equal(0, bitmap.GetPixel(0, 0).Red); // padding
        Assert.Equal(0, bitmap.GetPixel(1 + 10 + 2, 1 + 5 + 2).Red); // the sixth cell stays empty
    }

    [Fact]
    public void SaveGrid_Scale3_RepeatsEachPixelInA3x3BlockAndKeepsPadding()
    {
        // One 2×2 image with four different grey levels; at scale 3 each becomes a 3×3 block inside a 2-pixel border.
        using var image = torch.tensor(new byte[] { 10, 20, 30, 40 }).view(1, 1, 2, 2).expand(1, 3, 2, 2).contiguous();
        var path = _folder.Combine("grid-scaled.png");

        ImageCodec.SaveGrid(image, path, padding: 2, scale: 3);

        using var bitmap = SKBitmap.Decode(path);
        Assert.Equal(2 + 6 + 2, bitmap.Width);
        Assert.Equal(2 + 6 + 2, bitmap.Height);
        byte[] levels = [10, 20, 30, 40];
        for (var y = 0; y < 6; y++)
        for (var x = 0; x < 6; x++)
            Assert.Equal(levels[(y / 3 * 2) + (x / 3)], bitmap.GetPixel(2 + x, 2 + y).Red);
        Assert.Equal(0, bitmap.GetPixel(1, 1).Red);
    }

    [Theory]
    [InlineData(16, 4)]
    [InlineData(24, 3)]
    [InlineData(28, 3)]
    [InlineData(32, 2)]
    [InlineData(64, 1)]
    [InlineData(128, 1)]
    public void GridScale_EnlargesSmallTilesToAtLeast64Pixels(int size, int expected) =>
        Assert.Equal(expected, ImageCodec.GridScale(size));
}
