using SharpDiffusion.Config;

namespace SharpDiffusion.Tests.Config;

/// <summary>model.layout in JSON and the shipped reference-code config.</summary>
public class ModelLayoutConfigTests
{
    private static string ConfigDir([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "configs"));

    [Fact]
    public void Load_NoLayout_DefaultsToDdpm() =>
        Assert.Equal(UNetLayout.Ddpm, ConfigLoader.Load(null).Model.Layout);

    [Theory]
    [InlineData("ddpm", UNetLayout.Ddpm)]
    [InlineData("reference", UNetLayout.Reference)]
    public void Set_Layout_BindsKebabCaseName(string value, UNetLayout expected) =>
        Assert.Equal(expected, ConfigLoader.Load(null, [$"model.layout={value}"]).Model.Layout);

    [Fact]
    public void Serialize_ReferenceLayout_WritesLowerCaseName()
    {
        var config = ConfigLoader.Load(null, ["model.layout=reference"]);
        Assert.Contains("\"layout\": \"reference\"", ConfigJson.Serialize(config), StringComparison.Ordinal);
    }

    [Fact]
    public void Set_UnknownLayout_ErrorNamesTheKeyAndTheChoices()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, ["model.layout=lucidrains"]));
        Assert.Contains("model.layout", e.Message, StringComparison.Ordinal);
        Assert.Contains("ddpm or reference", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Validate_GroupsNotDividingWidths_IsAnErrorForDdpmOnly()
    {
        // The reference layout has no GroupNorm (RMSNorm only), so model.groups constrains only the ddpm layout.
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, ["model.groups=7"]));
        Assert.Equal(7, ConfigLoader.Load(null, ["model.groups=7", "model.layout=reference"]).Model.Groups);
    }

    [Fact]
    public void ReferenceCodeConfig_IsBaseWithTheReferenceLayoutAndInnermostFullAttention()
    {
        var reference = ConfigLoader.Load(Path.Combine(ConfigDir(), "sysu", "reference-code.json"), ["data.path=/data"]);
        var basis = ConfigLoader.Load(Path.Combine(ConfigDir(), "sysu", "base.json"), ["data.path=/data"]);

        Assert.Equal("reference-code", reference.Name);
        Assert.Equal(UNetLayout.Reference, reference.Model.Layout);
        // 64-px images, 4 levels: the innermost level works at 64 / 2³ = 8 px, where denoising-diffusion-pytorch puts its
        // only level with full attention by default.
        Assert.Equal([8], reference.Model.AttentionResolutions);
        Assert.Equal(reference.Data.ImageSize >> (reference.Model.DimMults.Count - 1), reference.Model.AttentionResolutions[0]);
        // Everything else is base.json's (compared as JSON: the records hold lists, which compare by reference).
        var expected = basis with { Name = "reference-code", Model = basis.Model with { Layout = UNetLayout.Reference, AttentionResolutions = [8] } };
        Assert.Equal(ConfigJson.Serialize(expected), ConfigJson.Serialize(reference));
    }
}
