using AngleSharp.Html.Parser;
using SharpDiffusion.Reporting;
using SkiaSharp;

namespace SharpDiffusion.Tests.Reporting;

public sealed class HtmlReportTests : IDisposable
{
    private readonly RunFixture _runs = new();

    public void Dispose() => _runs.Dispose();

    private static readonly DateTimeOffset Generated = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    private static AngleSharp.Html.Dom.IHtmlDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    private static byte[] DataUri(string src)
    {
        const string prefix = "data:image/png;base64,";
        Assert.StartsWith(prefix, src, StringComparison.Ordinal);
        return Convert.FromBase64String(src[prefix.Length..]);
    }

    [Fact]
    public void Build_TwoEvaluatedRuns_TableRowsAndEmbeddedPngs()
    {
        string baseline = _runs.Run("baseline", lr: 1e-4, dim: 64);
        string exp = _runs.Run("exp-dim128", lr: 1e-4, dim: 128, steps: 200);
        RunFixture.Evaluations(baseline, """{ "step": 50, "fid": 80.5, "is_mean": 3.0 }, { "step": 100, "fid": 70.25, "is_mean": 2.9 }""");
        RunFixture.Evaluations(exp, """{ "step": 100, "fid": 61.0, "is_mean": 3.1 }, { "step": 200, "fid": 59.01, "is_mean": 3.0 }""");
        File.WriteAllText(Path.Combine(exp, "resources.csv"),
            SharpDiffusion.Monitoring.ResourceLog.Header + "\n2026-11-26T10:00:00Z,0,,,,,100,900\n2026-11-26T10:00:05Z,5,,,,,120,1500\n");
        byte[] gridA = RunFixture.SampleGrid(baseline, 100, SKColors.Red);
        byte[] gridB = RunFixture.SampleGrid(exp, 200, SKColors.Green, size: 24);
        var set = ReportRunLoader.Load([baseline, exp]);

        var doc = Parse(HtmlReport.Build(set.Runs, new LossPlotOptions(), set.Warnings, Generated));

        var rows = doc.QuerySelectorAll("#ablation tbody tr");
        Assert.Equal(2, rows.Length);
        var cells = rows.Select(r => r.QuerySelectorAll("td").Select(c => c.TextContent.Trim()).ToArray()).ToArray();
        // The fixture's file names the Inception and no protocol details, so its numbers are FIDs "inception".
        Assert.Equal(["baseline", "baseline", "FID 70.25 (100)inception", "3.00 (50)inception, logits not recorded", "0.1000 (100)", "0m 50s", "8.0", "—", "—", "—"], cells[0]);
        Assert.Equal("exp-dim128", cells[1][0]);
        Assert.Equal("model.dim = 128 (was 64)training.steps = 200 (was 100)", cells[1][1]);
        Assert.Equal(["FID 59.01 (200)inception", "3.10 (100)inception, logits not recorded", "0.0707 (200)", "1m 40s", "8.0", "1500", "—", "—"], cells[1][2..]);

        var images = doc.QuerySelectorAll("img").Select(i => DataUri(i.GetAttribute("src")!)).ToList();
        // FID, IS, loss overlay, one loss plot per run, one sample grid per run.
        Assert.Equal(7, images.Count);
        Assert.All(images, png => Assert.NotNull(SKBitmap.Decode(png)));
        Assert.Equal(gridA, images[^2]);
        Assert.Equal(gridB, images[^1]);
        Assert.Empty(doc.QuerySelectorAll("img[src^='file:'], img[src^='http'], link, script"));
    }

    [Fact]
    public void Build_NoEvaluations_SaysSoInsteadOfFidPlots()
    {
        var set = ReportRunLoader.Load([_runs.Run("a"), _runs.Run("b", lr: 2e-5)]);
        var doc = Parse(HtmlReport.Build(set.Runs, new LossPlotOptions(), set.Warnings, Generated));

        var notes = doc.QuerySelectorAll("p.note").Select(p => p.TextContent).ToList();
        Assert.Contains(notes, n => n.Contains("No Fréchet distance results in any run", StringComparison.Ordinal));
        Assert.Contains(notes, n => n.Contains("No Inception Score results in any run", StringComparison.Ordinal));
        Assert.Equal(3, doc.QuerySelectorAll("img.plot").Length); // loss overlay + two loss plots
        Assert.Equal(2, doc.QuerySelectorAll("#ablation tbody tr").Length);
        Assert.All(doc.QuerySelectorAll("#ablation tbody tr"), r => Assert.Equal("—", r.QuerySelectorAll("td")[2].TextContent));
    }

    [Fact]
    public void Build_ResNet18RunWithTwoProtocols_TableNamesFdResNet18AndTheMainProtocol_NeverFid()
    {
        string run = _runs.Run("r");
        File.WriteAllText(Path.Combine(run, "evaluation_results.json"), """
            { "entries": [
              { "step": 50, "fd": 90.5, "frechet_label": "FD-ResNet18", "extractor": "resnet18", "n": 2500, "sampler": "ddim", "steps": 250, "guidance": 0 },
              { "step": 100, "fd": 80.25, "frechet_label": "FD-ResNet18", "extractor": "resnet18", "n": 2500, "sampler": "ddim", "steps": 250, "guidance": 0 },
              { "step": 100, "fd": 20.0, "frechet_label": "FD-ResNet18", "extractor": "resnet18", "n": 16, "sampler": "ddim", "steps": 50, "guidance": 0 } ] }
            """);
        var set = ReportRunLoader.Load([run]);

        var doc = Parse(HtmlReport.Build(set.Runs, new LossPlotOptions(), set.Warnings, Generated));

        var table = doc.QuerySelector("#ablation")!;
        Assert.Equal("FD-ResNet18 80.25 (100)resnet18, n = 2500, ddim 250 steps, guidance 0", table.QuerySelectorAll("tbody td")[2].TextContent);
        Assert.DoesNotContain("FID", table.TextContent, StringComparison.Ordinal);
        Assert.Contains(doc.QuerySelectorAll("img.plot"), i => i.GetAttribute("alt") == "FD-ResNet18 versus step");
        Assert.DoesNotContain(doc.QuerySelectorAll("img"), i => i.GetAttribute("alt")!.Contains("FID", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_MemorisedShare_PlotAndMaximumOverCheckpointsWithItsInterval()
    {
        string run = _runs.Run("m");
        File.WriteAllText(Path.Combine(run, "evaluation_results.json"), """
            { "entries": [
              { "step": 50, "fd": 90.5, "extractor": "resnet18", "n": 500, "memorization_ratio_share": 0.02, "memorization_ratio_low": 0.01, "memorization_ratio_high": 0.035 },
              { "step": 100, "fd": 80.25, "extractor": "resnet18", "n": 500, "memorization_ratio_share": 0.15, "memorization_ratio_low": 0.12, "memorization_ratio_high": 0.18 },
              { "step": 150, "fd": 70.0, "extractor": "resnet18", "n": 500, "memorization_ratio_share": 0.11, "memorization_ratio_low": 0.09, "memorization_ratio_high": 0.135 } ] }
            """);
        var set = ReportRunLoader.Load([run]);

        var doc = Parse(HtmlReport.Build(set.Runs, new LossPlotOptions(), set.Warnings, Generated));

        Assert.Contains(doc.QuerySelectorAll("img.plot"), i => i.GetAttribute("alt") == "memorised share (NN1/NN2 < 1/3) versus step");
        Assert.Equal("m, resnet18, n = 500: 15.0% [12.0%, 18.0%] at step 100", Assert.Single(doc.QuerySelectorAll("#memorised li")).TextContent);
    }

    [Fact]
    public void Build_SkippedFolder_WarningIsShownOnThePage()
    {
        var set = ReportRunLoader.Load([_runs.Run("a"), Directory.CreateDirectory(Path.Combine(_runs.Root, "notes")).FullName]);
        var doc = Parse(HtmlReport.Build(set.Runs, new LossPlotOptions(), set.Warnings, Generated));
        Assert.Contains("not a run folder", doc.QuerySelector("ul.warnings li")!.TextContent, StringComparison.Ordinal);
        Assert.Single(doc.QuerySelectorAll("#ablation tbody tr"));
    }

    [Fact]
    public void Build_RunNameWithMarkup_IsEscaped()
    {
        var set = ReportRunLoader.Load([_runs.Run("<b>x")]);
        var doc = Parse(HtmlReport.Build(set.Runs, new LossPlotOptions(), set.Warnings, Generated));
        Assert.Equal("<b>x", doc.QuerySelector("#ablation tbody td")!.TextContent);
    }

    private const string CascadeEntry = """
        { "step": 100, "fd": 30.5, "frechet_label": "FD-ResNet18", "extractor": "resnet18", "n": 500, "sampler": "ddim", "steps": 50, "guidance": 0,
          "upscale": { "run": "/runs/demo-sr", "step": 1500, "augmentation_level": 0.2, "guidance": 0, "sampler": "ddim", "steps": 25, "input_size": 16, "output_size": 32 },
          "upscale_comparison_grid": "cascade-step-000100-up-demo-sr-1500-s0.2-w0-ddim25.png" }
        """;

    [Fact]
    public void Build_CascadeEntryWithItsGrid_CascadeSectionEmbedsTheGridAndNamesBothStages()
    {
        string run = _runs.Run("base");
        File.WriteAllText(Path.Combine(run, "evaluation_results.json"), $$"""
            { "entries": [
              { "step": 100, "fd": 40.0, "frechet_label": "FD-ResNet18", "extractor": "resnet18", "n": 500, "sampler": "ddim", "steps": 50, "guidance": 0 },
              {{CascadeEntry}} ] }
            """);
        using var bitmap = new SKBitmap(new SKImageInfo(12, 30, SKColorType.Rgba8888, SKAlphaType.Opaque));
        bitmap.Erase(SKColors.Blue);
        byte[] png = bitmap.Encode(SKEncodedImageFormat.Png, 100).ToArray();
        File.WriteAllBytes(Path.Combine(run, "cascade-step-000100-up-demo-sr-1500-s0.2-w0-ddim25.png"), png);
        var set = ReportRunLoader.Load([run]);

        var doc = Parse(HtmlReport.Build(set.Runs, new LossPlotOptions(), set.Warnings, Generated));

        Assert.NotNull(doc.QuerySelector("h2#cascade"));
        var figure = Assert.Single(doc.QuerySelectorAll("figure.cascade"));
        Assert.Equal(png, DataUri(figure.QuerySelector("img")!.GetAttribute("src")!));
        Assert.Equal("base, step 100: resnet18, n = 500, ddim 50 steps, guidance 0, upscaled 16→32 by demo-sr step 1500 (s = 0.2, w = 0, ddim 25 steps); FD-ResNet18 30.50",
            figure.QuerySelector("figcaption")!.TextContent);
    }

    [Fact]
    public void Build_NoCascadeEntryOrItsGridMissing_NoCascadeSection()
    {
        string plain = _runs.Run("plain");
        RunFixture.Evaluations(plain, """{ "step": 50, "fid": 80.5 }""");
        string gridless = _runs.Run("gridless");
        File.WriteAllText(Path.Combine(gridless, "evaluation_results.json"), $$"""{ "entries": [ {{CascadeEntry}} ] }""");
        var set = ReportRunLoader.Load([plain, gridless]);

        var doc = Parse(HtmlReport.Build(set.Runs, new LossPlotOptions(), set.Warnings, Generated));

        Assert.Null(doc.QuerySelector("h2#cascade"));
        Assert.Empty(doc.QuerySelectorAll("figure.cascade"));
        Assert.NotNull(doc.QuerySelector("#ablation")); // the rest of the report is there
    }
}
