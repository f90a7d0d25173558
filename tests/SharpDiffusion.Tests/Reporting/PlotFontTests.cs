using System.Diagnostics;
using SharpDiffusion.Reporting;
using SkiaSharp;

namespace SharpDiffusion.Tests.Reporting;

/// <summary>
/// Plots draw their text with the font shipped beside the library, not a system font (issue 14 §4). Skia's Linux build here
/// finds system fonts only under /usr/share/fonts, so the child process runs in a private mount namespace with an empty
/// folder mounted there: a machine without fonts. Needs root (unshare -m), as the development and CI machines are.
/// </summary>
public sealed class PlotFontTests : IDisposable
{
    private const string SystemFonts = "/usr/share/fonts";
    private readonly RunFixture _runs = new();

    public void Dispose() => _runs.Dispose();

    [Fact]
    public void ShippedFont_IsInTheOutputFolder_WithItsLicence()
    {
        foreach (string file in new[] { "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt" })
            Assert.True(File.Exists(Path.Combine(PlotStyle.FontFolder, file)), $"{file} missing from {PlotStyle.FontFolder}");
    }

    [Fact]
    public void PlotCommand_WithNoSystemFont_StillDrawsText()
    {
        Assert.Equal("", RunWithoutSystemFonts("ls", "-A", SystemFonts).Trim()); // the control: the child really sees no system font

        string run = _runs.Run("a");
        string outDir = Path.Combine(_runs.Root, "plots");
        RunWithoutSystemFonts("dotnet", Path.Combine(AppContext.BaseDirectory, "ddpm.dll"), "plot", "--runs", run, "--out", outDir);

        // No evaluations: the Fréchet-distance comparison holds only title, axis labels and tick labels, so every dark pixel is text.
        using var image = PngPixels.Decode(File.ReadAllBytes(Path.Combine(outDir, PlotWriter.FrechetFile)));
        Assert.True(PngPixels.CountNear(image, SKColors.Black, tolerance: 60) > 200, "no text was drawn without system fonts");
    }

    /// <summary>Runs a command with an empty tmpfs over /usr/share/fonts (when that folder exists) and returns its stdout.</summary>
    private static string RunWithoutSystemFonts(params string[] command)
    {
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["-m", "sh", "-c", $"if [ -d {SystemFonts} ]; then mount -t tmpfs none {SystemFonts} || exit 97; fi; exec \"$@\"", "sh", .. command])
            info.ArgumentList.Add(a);
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "sd-cli-test-cache");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "child did not finish in 2 minutes");
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', command)} exited {process.ExitCode} (97: this test needs root to hide {SystemFonts}): {stderr.Result}");
        return stdout.Result;
    }
}
