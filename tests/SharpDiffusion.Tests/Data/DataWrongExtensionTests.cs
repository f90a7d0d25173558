using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SkiaSharp;

namespace SharpDiffusion.Tests.Data;

/// <summary>
/// Files whose extension lies (issue 7 item 5): decoding goes by content, so a PNG named .jpg loads with its own pixels,
/// and text named .png is skipped, counted and named like any other undecodable file.
/// </summary>
public sealed class DataWrongExtensionTests : IDisposable
{
    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void PngNamedJpg_DecodesWithItsPixels_TextNamedPng_IsSkippedAndNamed()
    {
        // Lossless content under a lossy extension: a JPEG decode (or a re-encode) could not return the exact colour.
        byte[] png = DataTestFiles.Encode(SKEncodedImageFormat.Png, 8, 8, DataTestFiles.Solid(201, 17, 99));
        Directory.CreateDirectory(_folder.Combine("a"));
        File.WriteAllBytes(_folder.Combine("a", "really-a-png.jpg"), png);
        File.WriteAllText(_folder.Combine("a", "notes.png"), "this is a text file, not an image\n");

        using var data = DatasetLoader.Load(
            new DataConfig { Source = DataSource.Folder, Path = _folder.Path, ImageSize = 8, Channels = 3 }, cacheDir: null, out var report);

        Assert.Equal(1, data.Count);
        Assert.Equal(1, report.Skipped);
        Assert.Contains(report.SkippedExamples, e => e.Contains("notes.png", StringComparison.Ordinal));
        Assert.Equal([201, 17, 99], new[] { data.Images[0, 0, 4, 4].item<byte>(), data.Images[0, 1, 4, 4].item<byte>(), data.Images[0, 2, 4, 4].item<byte>() });
    }
}
