using ScottPlot;
using SkiaSharp;

namespace SharpDiffusion.Reporting;

/// <summary>Size, font and colours shared by every plot, so a run has the same colour in each of them.</summary>
public static class PlotStyle
{
    public const int Width = 1000;
    public const int Height = 600;

    // Tried in order; a headless Debian has DejaVu when fonts-dejavu-core is installed (.ci/run installs it).
    private static readonly string[] FontFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "FreeSans", "Arial"];

    private static readonly ScottPlot.Palettes.Category10 Palette = new ScottPlot.Palettes.Category10();

    public static Color RunColor(int index) => Palette.GetColor(index);

    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        if (InstalledFont() is string family) plot.Font.Set(family);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    public static byte[] Png(Plot plot) => plot.GetImageBytes(Width, Height, ImageFormat.Png);

    /// <summary>The first sans-serif family that fontconfig knows, or null to keep ScottPlot's default.</summary>
    private static string? InstalledFont()
    {
        var installed = new HashSet<string>(SKFontManager.Default.GetFontFamilies(), StringComparer.OrdinalIgnoreCase);
        return FontFamilies.FirstOrDefault(installed.Contains);
    }
}
