using ScottPlot;

namespace SharpDiffusion.Reporting;

/// <summary>Size, font and colours shared by every plot, so a run has the same colour in each of them.</summary>
public static class PlotStyle
{
    public const int Width = 1000;
    public const int Height = 600;

    /// <summary>
    /// The family every plot draws its text in: DejaVu Sans, shipped with the library (Reporting/Fonts, from Debian's
    /// fonts-dejavu-core, licence beside it) and registered with ScottPlot from that file, so text is drawn on a machine
    /// without system fonts (Skia's Linux build here only scans /usr/share/fonts).
    /// </summary>
    public const string FontFamily = "DejaVu Sans";

    /// <summary>Folder of the shipped font files, beside the library in every app that references it (and in the NuGet package).</summary>
    public static string FontFolder => Path.Combine(AppContext.BaseDirectory, "Fonts");

    private static readonly Lazy<bool> FontRegistered = new(RegisterShippedFont);

    private static readonly ScottPlot.Palettes.Category10 Palette = new ScottPlot.Palettes.Category10();

    public static Color RunColor(int index) => Palette.GetColor(index);

    public static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        _ = FontRegistered.Value;
        var plot = new Plot();
        plot.Font.Set(FontFamily);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    public static byte[] Png(Plot plot) => plot.GetImageBytes(Width, Height, ImageFormat.Png);

    /// <summary>Once per process: ScottPlot's font list is global, and a file resolver is asked before the system fonts.</summary>
    private static bool RegisterShippedFont()
    {
        foreach (var (file, bold) in new[] { ("DejaVuSans.ttf", false), ("DejaVuSans-Bold.ttf", true) })
        {
            string path = Path.Combine(FontFolder, file);
            if (!File.Exists(path))
                throw new FileNotFoundException($"the plot font {path} is missing from the application folder; rebuild or reinstall the tool (it ships with the SharpDiffusion library).", path);
            Fonts.AddFontFile(FontFamily, path, bold, italic: false);
        }
        return true;
    }
}
