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
    public void Parse_NameAndSampler_GivesTheSpacing(string name, string sampler, TimestepSpacing expected) =>
        Assert.Equal(expected, TimestepSpacings.Parse(name, sampler));

    [Fact]
    public void Parse_UnknownName_ListsTheValidOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => TimestepSpacings.Parse("uniform", "ddim"));
        Assert.Contains("log-snr", e.Message, StringComparison.Ordinal);
    }
}
