using SharpDiffusion.Evaluation;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>The upscale stage of a cascade evaluation keeps its points apart from base-only ones and survives the results file.</summary>
public sealed class CascadeProtocolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-cascade-protocol-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly UpscaleProtocol Stage = new("/runs/demo-sr", 1500, 0.2, 0, "ddim", 25, 16, 32);

    private static EvaluationEntry Entry(UpscaleProtocol? upscale) => new()
    {
        Step = 4000, N = 500, Sampler = "ddim", Steps = 50, Guidance = 0, Extractor = "resnet18", Fd = 12.5, Upscale = upscale,
        UpscaleComparisonGrid = upscale is null ? null : "cascade-step-004000-up-demo-sr-1500-s0.2-w0-ddim25.png", SettingsKey = upscale is null ? "base" : "cascade",
    };

    [Fact]
    public void CurveProtocol_CascadeAndBaseOnlyEntries_AreDifferentCurvesWithTheStageInLabelAndTag()
    {
        var cascade = CurveProtocol.Of(Entry(Stage));
        var plain = CurveProtocol.Of(Entry(null));

        Assert.NotEqual(plain, cascade);
        Assert.Equal(cascade, CurveProtocol.Of(Entry(Stage with { })));           // value equality: one curve per stage
        Assert.NotEqual(cascade, CurveProtocol.Of(Entry(Stage with { AugmentationLevel = 0.1 })));
        Assert.NotEqual(cascade, CurveProtocol.Of(Entry(Stage with { Step = 1000 })));
        Assert.Equal("resnet18, n = 500, ddim 50 steps, guidance 0, upscaled 16→32 by demo-sr step 1500 (s = 0.2, w = 0, ddim 25 steps)", cascade.Label);
        Assert.Equal("resnet18_n500_ddim50_w0_up-demo-sr-1500-s0.2-w0-ddim25", cascade.Tag);
        Assert.Equal("resnet18_n500_ddim50_w0", plain.Tag);
        Assert.Equal("eval/resnet18_n500_ddim50_w0_up-demo-sr-1500-s0.2-w0-ddim25/fd-resnet18", EvaluationTags.Scalars(Entry(Stage))[0].Tag);
    }

    [Fact]
    public void SettingsKey_UpscaleStage_IsAppendedAndEveryPartChangesIt()
    {
        var plain = new EvaluationProtocol(500, ["fd"], "ddim", 50, 0, 0, 64);
        var cascade = plain with { Upscale = Stage };

        Assert.Equal(plain.SettingsKey("resnet18", "abc") + ";upscale=/runs/demo-sr@1500;aug_level=0.2;upscale_guidance=0;upscale_sampler=ddim;upscale_steps=25",
            cascade.SettingsKey("resnet18", "abc"));
        var variants = new[] { Stage with { Guidance = 1 }, Stage with { Sampler = "ddpm" }, Stage with { Steps = 50 }, Stage with { Run = "/runs/other" } };
        Assert.Equal(variants.Length, variants.Select(v => (plain with { Upscale = v }).SettingsKey("resnet18", "abc")).Distinct().Count());
        Assert.DoesNotContain(cascade.SettingsKey("resnet18", "abc"), variants.Select(v => (plain with { Upscale = v }).SettingsKey("resnet18", "abc")));
    }

    [Fact]
    public void EvaluationLog_CascadeEntry_RoundTripsTheStageAndTheReportReaderReadsTheSame()
    {
        var log = new EvaluationLog(_dir);
        log.Add(Entry(Stage));
        log.Add(Entry(null));

        var read = log.Read();
        Assert.Equal(Stage, read.Single(e => e.SettingsKey == "cascade").Upscale);
        Assert.Null(read.Single(e => e.SettingsKey == "base").Upscale);
        Assert.Equal("cascade-step-004000-up-demo-sr-1500-s0.2-w0-ddim25.png", read.Single(e => e.SettingsKey == "cascade").UpscaleComparisonGrid);

        var report = SharpDiffusion.Reporting.EvaluationResults.Read(log.ResultsPath);
        Assert.Equal([Stage, null], report.Entries.Select(e => e.Upscale).OrderBy(u => u is null));
        Assert.Equal(CurveProtocol.Of(Entry(Stage)), report.Entries.Single(e => e.Upscale is not null).Protocol(null));
        var csv = File.ReadAllLines(log.CsvPath);
        var upscaleColumn = Array.IndexOf(csv[0].Split(','), "upscale");
        Assert.Equal("up-demo-sr-1500-s0.2-w0-ddim25", csv.Single(l => l.Contains("up-demo", StringComparison.Ordinal)).Split(',')[upscaleColumn]);
    }
}

/// <summary>Autoguidance in an evaluation (issue 22): keyed, recorded and curved apart from unguided points, by guide and w.</summary>
public sealed class AutoGuideProtocolTests
{
    private static readonly AutoGuideProtocol Guide = new("/runs/small/checkpoints/step-000400.ckpt", "0123456789abcdef0123456789abcdef", 2);

    [Fact]
    public void SettingsKey_Guide_IsAppendedOnlyWhenGivenAndNamesHashAndWeight()
    {
        var plain = new EvaluationProtocol(500, ["fd"], "heun", 18, 0, 0, 64);
        Assert.DoesNotContain("guide", plain.SettingsKey("resnet18", "abc"), StringComparison.Ordinal); // older entries keep their keys
        Assert.Equal(plain.SettingsKey("resnet18", "abc") + ";guide=0123456789abcdef,w=2", (plain with { Guide = Guide }).SettingsKey("resnet18", "abc"));
        Assert.NotEqual((plain with { Guide = Guide }).SettingsKey("resnet18", "abc"), (plain with { Guide = Guide with { Weight = 3 } }).SettingsKey("resnet18", "abc"));
    }

    [Fact]
    public void CurveProtocol_GuidedEntries_AreTheirOwnCurvePerWeight()
    {
        EvaluationEntry Entry(AutoGuideProtocol? guide) => new() { Step = 100, N = 500, Sampler = "heun", Steps = 18, Extractor = "resnet18", Fd = 3, Guide = guide };
        var unguided = CurveProtocol.Of(Entry(null));
        var guided = CurveProtocol.Of(Entry(Guide));
        Assert.NotEqual(unguided, guided);
        Assert.NotEqual(guided, CurveProtocol.Of(Entry(Guide with { Weight = 3 })));
        Assert.Equal("resnet18_n500_heun18_w0_ag2-01234567", guided.Tag);
        Assert.Contains("autoguided w = 2 by step-000400.ckpt", guided.Label, StringComparison.Ordinal);
    }
}
