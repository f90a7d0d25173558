using SkiaSharp;

namespace SharpDiffusion.Data;

/// <summary>
/// The built-in demo set: one filled shape per image (circle, square, triangle, plus, star) near the centre, with a
/// random offset, size, rotation and colour, on a plain light or dark gray background, drawn antialiased with SkiaSharp.
/// Image i has class i mod 5 and depends only on (seed, i), so the first images are the same for any count.
/// </summary>
/// <remarks>
/// The shapes are kept near the centre (offset at most 0.08 of the side), large (radius 0.30–0.40 of the side) and nearly
/// upright (±10°) on untinted backgrounds, so that a small model learns them in the demo's few minutes of CPU training:
/// with uniformly random positions the class signal at high noise is a blur over the whole image and 2,000 steps only
/// produced blobs; with free rotation and small sizes three of five classes were still unrecognisable after 1,800 steps
/// (docs/BENCHMARKS.md).
/// </remarks>
internal static class SyntheticShapes
{
    public static readonly IReadOnlyList<string> ClassNames = ["circle", "square", "triangle", "plus", "star"];

    /// <summary>Part of the dataset cache key: bump it whenever the drawing changes, so no stale cached set is used.</summary>
    public const int Version = 4;

    public static DecodedSet Generate(int count, int size, int channels, long seed)
    {
        var imageBytes = channels * size * size;
        var pixels = new byte[count * imageBytes];
        var labels = new long[count];
        var info = new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        using var canvas = new SKCanvas(bitmap);
        using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill };
        for (var i = 0; i < count; i++)
        {
            var label = i % ClassNames.Count;
            var random = SplitMix64.ForItem(seed, i);
            Draw(canvas, paint, label, size, ref random);
            canvas.Flush();
            ResizePipeline.Apply(bitmap.GetPixelSpan(), size, size, pixelStride: 4, sourceChannels: 3, size, channels, Config.ResizePolicy.Squash)
                .CopyTo(pixels, i * imageBytes);
            labels[i] = label;
        }

        return new DecodedSet(pixels, labels, channels, size, ClassNames, 0, []);
    }

    private static void Draw(SKCanvas canvas, SKPaint paint, int shape, int size, ref SplitMix64 random)
    {
        var dark = random.NextDouble() < 0.5;
        var gray = (byte)(dark ? random.Uniform(15, 60) : random.Uniform(195, 240));
        var background = new SKColor(gray, gray, gray);
        var hue = (float)random.Uniform(0, 360);
        var saturation = (float)random.Uniform(75, 100);
        var lightness = (float)(dark ? random.Uniform(55, 70) : random.Uniform(30, 45));
        paint.Color = SKColor.FromHsl(hue, saturation, lightness);

        // Radius plus offset stays under 0.48 of the side: every circle keeps a margin, at 16×16 a third of a pixel.
        var radius = (float)(size * random.Uniform(0.30, 0.40));
        var cx = (float)(size * (0.5 + random.Uniform(-0.08, 0.08)));
        var cy = (float)(size * (0.5 + random.Uniform(-0.08, 0.08)));
        var turn = (float)random.Uniform(-1, 1);

        canvas.Clear(background);
        canvas.Save();
        canvas.Translate(cx, cy);
        switch (shape)
        {
            case 0:
                canvas.DrawCircle(0, 0, radius, paint);
                break;
            case 1:
                canvas.RotateDegrees(10 * turn);
                var half = 0.7f * radius; // half-diagonal 0.99·r keeps the corners inside the radius
                canvas.DrawRect(-half, -half, 2 * half, 2 * half, paint);
                break;
            case 2:
                canvas.RotateDegrees(10 * turn);
                DrawPolygon(canvas, paint, Star(3, radius, radius * 0.5f));
                break;
            case 3:
                canvas.RotateDegrees(10 * turn);
                var arm = 0.95f * radius;
                var thickness = 0.3f * radius;
                canvas.DrawRect(-arm, -thickness, 2 * arm, 2 * thickness, paint);
                canvas.DrawRect(-thickness, -arm, 2 * thickness, 2 * arm, paint);
                break;
            default:
                canvas.RotateDegrees(10 * turn);
                DrawPolygon(canvas, paint, Star(5, radius, radius * 0.5f)); // points about 3 px across at the base at 16×16
                break;
        }

        canvas.Restore();
    }

    /// <summary>
    /// Vertices alternating between the outer and inner radius, the first pointing up. With inner = outer·cos(π/points)
    /// the inner vertices lie on the straight edges: for 3 points (inner = outer/2) that is the equilateral triangle.
    /// </summary>
    private static SKPoint[] Star(int points, float outer, float inner)
    {
        var vertices = new SKPoint[2 * points];
        for (var k = 0; k < vertices.Length; k++)
        {
            var angle = (-MathF.PI / 2) + (k * MathF.PI / points);
            var r = k % 2 == 0 ? outer : inner;
            vertices[k] = new SKPoint(r * MathF.Cos(angle), r * MathF.Sin(angle));
        }

        return vertices;
    }

    private static void DrawPolygon(SKCanvas canvas, SKPaint paint, SKPoint[] vertices)
    {
        using var path = new SKPath();
        path.AddPoly(vertices, close: true);
        canvas.DrawPath(path, paint);
    }
}
