using SharpDiffusion.Sampling;

namespace SharpDiffusion.Tests.Sampling;

public class SamplerSpacingNameTests
{
    [Theory]
    [InlineData("auto", "dpm-solver++", TimestepSpacing.LogSnrUniform)]
    [InlineData("auto", "unipc", TimestepSpacing.LogSnrUniform)]
    [InlineData("auto", "ddim", TimestepSpacing.Leading)]
    [InlineData("auto", "ddpm", TimestepSpacing.Leading)]
    [InlineData("trailing", "dpm-solver++", TimestepSpacing.Trailing)]
    [InlineData("quadratic", "ddim", TimestepSpacing.Quadratic)]
    [InlineData("log-snr", "ddim", TimestepSpacing.LogSnrUniform)]
    [InlineData("ddp", "ddim", TimestepSpacing.Ddp)]
    public void Parse_NameAndSampler_GivesTheSpacing(string name, string sampler, TimestepSpacing expected) =>
        Assert.Equal(expected, TimestepSpacings.Parse(name, sampler));

    [Fact]
    public void Parse_UnknownName_ListsTheValidOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => TimestepSpacings.Parse("uniform", "ddim"));
        Assert.Contains("log-snr", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Registry_EverySpacing_HasOneEntryWhoseNameParsesBack()
    {
        Assert.Equal(Enum.GetValues<TimestepSpacing>().Order(), TimestepSpacings.All.Select(e => e.Spacing).Order());
        foreach (var entry in TimestepSpacings.All) Assert.Equal(entry.Spacing, TimestepSpacings.Parse(TimestepSpacings.NameOf(entry.Spacing), "ddim"));
    }
}
