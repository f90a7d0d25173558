using System.Globalization;
using SharpDiffusion.Training;
using SkiaSharp;

namespace SharpDiffusion.Tests.Reporting;

/// <summary>Builds run folders on disk with exactly the files a test needs.</summary>
internal sealed class RunFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sd-report-").FullName;

    public void Dispose() => Directory.Delete(Root, recursive: true);

    public string Run(string name, double lr = 1e-4, int dim = 64, int steps = 100, int logEvery = 10, double lossScale = 1)
    {
        string dir = Path.Combine(Root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "config.json"), string.Create(CultureInfo.InvariantCulture,
            $$"""{ "name": "{{name}}", "seed": 0, "model": { "dim": {{dim}}, "dim_mults": [1, 2] }, "training": { "lr": {{lr}}, "steps": {{steps}} } }"""));
        var log = new TrainingLog(Path.Combine(dir, "log.csv"));
        // Loss lossScale/√step: a falling curve with a known last value; 8 images/s except a slow first interval.
        for (int s = logEvery; s <= steps; s += logEvery)
            log.Append(new TrainingLogRow(s, lossScale / Math.Sqrt(s), lr, s == logEvery ? 2 : 8, s * 0.5));
        return dir;
    }

    public static void Evaluations(string run, string entriesJson) =>
        File.WriteAllText(Path.Combine(run, "evaluation_results.json"), $$"""{ "extractor": "inception", "entries": [ {{entriesJson}} ] }""");

    public static byte[] SampleGrid(string run, int step, SKColor color, int size = 20)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(color);
        byte[] png = bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray();
        Directory.CreateDirectory(Path.Combine(run, "samples"));
        File.WriteAllBytes(Path.Combine(run, "samples", string.Create(CultureInfo.InvariantCulture, $"step-{step:D6}.png")), png);
        return png;
    }
}

/// <summary>Pixel statistics of a PNG, to tell a drawn plot from a blank one.</summary>
internal static class PngPixels
{
    public static SKBitmap Decode(byte[] png) => SKBitmap.Decode(png) ?? throw new InvalidDataException("not a decodable PNG");

    public static int DistinctColors(SKBitmap bitmap) => bitmap.Pixels.Distinct().Count();

    /// <summary>Pixels within a small distance of <paramref name="color"/> (antialiasing shifts line colours slightly).</summary>
    public static int CountNear(SKBitmap bitmap, SKColor color, int tolerance = 12) =>
        bitmap.Pixels.Count(p => Math.Abs(p.Red - color.Red) <= tolerance && Math.Abs(p.Green - color.Green) <= tolerance && Math.Abs(p.Blue - color.Blue) <= tolerance);
}
