using SharpDiffusion.Data;
using SharpDiffusion.Evaluation;

namespace SharpDiffusion.Tests.Data;

/// <summary>
/// TIFF and Netpbm, the formats of pytorch-fid's IMAGE_EXTENSIONS that SkiaSharp lacks. Evaluation/Fixtures/image_* were
/// written by Pillow 9.4 (tools/standard_metrics_fixture.py; the plain P2/P3 files by hand), and image_*_*.npy hold what
/// pytorch-fid gets from each: np.asarray(Image.open(f).convert("RGB")).
/// </summary>
public class ImageDecoderFormatsTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", name);

    private static byte[] ExpectedRgb(string file)
    {
        using var pixels = NpyFile.Read(Fixture("image_" + file.Replace('.', '_') + ".npy"));
        return pixels.data<float>().Select(v => (byte)v).ToArray();
    }

    private static byte[] Rgb(DecodedImage image) =>
        Enumerable.Range(0, image.Width * image.Height).SelectMany(p => new[] { image.Rgba[4 * p], image.Rgba[(4 * p) + 1], image.Rgba[(4 * p) + 2] }).ToArray();

    [Theory]
    [InlineData("raw.tif")]
    [InlineData("lzw.tif")]
    [InlineData("deflate.tiff")]
    [InlineData("gray.tif")]
    [InlineData("binary.ppm")]
    [InlineData("binary.pgm")]
    [InlineData("plain.ppm")]
    [InlineData("plain.pgm")]
    public void Decode_PillowFixture_GivesThePixelsPillowReads(string file)
    {
        var image = ImageDecoder.Decode(File.ReadAllBytes(Fixture("image_" + file)), file);

        Assert.Equal((5, 4), (image.Width, image.Height));
        Assert.Equal(ExpectedRgb(file), Rgb(image));
        Assert.All(Enumerable.Range(0, 20), p => Assert.Equal(255, image.Rgba[(4 * p) + 3]));
    }

    [Fact]
    public void Decode_RgbaTiff_CompositesOverWhiteLikeEveryOtherFormat()
    {
        // Pillow's convert("RGB") drops alpha; like PNGs, we composite over white (docs/data.md). Alpha = (60x + 5y) mod 256.
        var rgb = ExpectedRgb("rgba.tif");
        var expected = new byte[rgb.Length];
        for (var p = 0; p < 20; p++)
        {
            int x = p % 5, y = p / 5, alpha = ((60 * x) + (5 * y)) % 256;
            for (var c = 0; c < 3; c++)
                expected[(3 * p) + c] = (byte)(((rgb[(3 * p) + c] * alpha) + (255 * (255 - alpha)) + 127) / 255);
        }

        var image = ImageDecoder.Decode(File.ReadAllBytes(Fixture("image_rgba.tif")), "rgba.tif");

        Assert.Equal(expected, Rgb(image));
    }

    [Fact]
    public void Decode_SixteenBitPgm_ScalesToEightBits()
    {
        // P5, 2×1, maxval 1000, big-endian samples 1000 and 500: 255 and round(127.5) = 128.
        byte[] data = [.. "P5 2 1 1000\n"u8, 0x03, 0xE8, 0x01, 0xF4];

        var image = ImageDecoder.Decode(data, "16bit.pgm");

        Assert.Equal([255, 255, 255, 255, 128, 128, 128, 255], image.Rgba);
    }

    [Theory]
    [InlineData("P6 2 2 255\n\x01\x02\x03", "truncated P6 data: 3 of 12 bytes")]
    [InlineData("P5 2 2 0\n\x00\x00\x00\x00", "P5 maxval 0 is outside 1–65535")]
    [InlineData("P3 1 1 255\n10 20", "truncated or corrupt P3 data at sample 2 of 3")]
    [InlineData("P2 1 1 15\n16", "truncated or corrupt P2 data at sample 0 of 1")]
    [InlineData("P6 # no size\n", "malformed P6 header")]
    [InlineData("P5 99999 99999 255\n", "99999×99999 pixels is beyond the 16384-pixel side or 100-megapixel limit")]
    public void TryDecode_BadNetpbm_GivesTheReason(string content, string reason)
    {
        var ok = ImageDecoder.TryDecode(content.Select(c => (byte)c).ToArray(), out _, out var why);

        Assert.False(ok);
        Assert.Equal(reason, why);
    }

    [Fact]
    public void TryDecode_TruncatedTiff_IsRefusedWithAReason()
    {
        var data = File.ReadAllBytes(Fixture("image_lzw.tif"))[..24];

        var ok = ImageDecoder.TryDecode(data, out _, out var why);

        Assert.False(ok);
        Assert.Contains("TIFF", why);
    }

    [Fact]
    public void Load_FolderOfTiffAndNetpbmFiles_ReadsThemAll()
    {
        var folder = Directory.CreateTempSubdirectory("sd-formats-").FullName;
        try
        {
            foreach (var file in new[] { "raw.tif", "deflate.tiff", "binary.ppm", "plain.pgm" })
                File.Copy(Fixture("image_" + file), Path.Combine(folder, file));

            using var images = ImageFolderImages.Load(folder);

            Assert.Equal([4L, 3L, 4L, 5L], images.shape);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
