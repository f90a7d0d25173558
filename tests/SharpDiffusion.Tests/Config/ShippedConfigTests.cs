using SharpDiffusion.Config;

namespace SharpDiffusion.Tests.Config;

/// <summary>The configs in configs/ must load and must express the reference study's table (docs/architecture.md).</summary>
public class ShippedConfigTests
{
    private static string ConfigDir([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "configs"));

    public static TheoryData<string> AllConfigs() =>
        new(Directory.EnumerateFiles(ConfigDir(), "*.json", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(ConfigDir(), p)));

    [Theory]
    [MemberData(nameof(AllConfigs))]
    public void EveryShippedConfig_Loads(string relative) =>
        Assert.NotNull(ConfigLoader.Load(Path.Combine(ConfigDir(), relative), relative.StartsWith("sysu", StringComparison.Ordinal) ? ["data.path=/data"] : null));

    [Theory]
    [InlineData("baseline", 64, 1e-4, false, 70_000)]
    [InlineData("exp1-low-lr", 64, 2e-5, false, 100_000)]
    [InlineData("exp2-low-lr-hflip", 64, 2e-5, true, 100_000)]
    [InlineData("exp3-dim96", 96, 1e-4, true, 100_000)]
    [InlineData("exp4-dim128", 128, 1e-4, true, 100_000)]
    public void SysuStudy_MatchesTheReferenceTable(string name, int dim, double lr, bool hflip, int steps)
    {
        var c = ConfigLoader.Load(Path.Combine(ConfigDir(), "sysu", name + ".json"), ["data.path=/data"]);
        Assert.Equal(name, c.Name);
        Assert.Equal((dim, lr, hflip, steps), (c.Model.Dim, c.Training.Lr, c.Data.Hflip, c.Training.Steps));
        Assert.Equal((64, 64, 0.995, 1.0), (c.Data.ImageSize, c.Training.BatchSize, c.Training.EmaDecay, c.Training.GradClip));
        Assert.Equal([1, 2, 4, 8], c.Model.DimMults);
        Assert.Equal([16], c.Model.AttentionResolutions);
        Assert.Equal((2, 8, 1000, Objective.Eps), (c.Model.ResBlocks, c.Model.Groups, c.Diffusion.Timesteps, c.Diffusion.Objective));
    }
}
