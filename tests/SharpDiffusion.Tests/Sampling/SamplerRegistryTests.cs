using SharpDiffusion.Sampling;

namespace SharpDiffusion.Tests.Sampling;

public class SamplerRegistryTests
{
    [Fact]
    public void Create_EveryName_GivesASamplerOfThatName()
    {
        Assert.Equal(["ddpm", "ddim", "dpm-solver++", "unipc"], Samplers.Names);
        foreach (string name in Samplers.Names) Assert.Equal(name, Samplers.Create(name).Name);
        Assert.Equal("ddim", Samplers.Create("DDIM").Name);
    }

    [Fact]
    public void Create_PassesOptionsThrough()
    {
        var ddpm = Assert.IsType<DdpmSampler>(Samplers.Create("ddpm", largeVariance: true, clipDenoised: false));
        Assert.True(ddpm.LargeVariance);
        Assert.False(ddpm.ClipDenoised);
        Assert.Equal(0.5, Assert.IsType<DdimSampler>(Samplers.Create("ddim", eta: 0.5)).Eta);
        Assert.True(Assert.IsType<DpmSolverPlusPlusSampler>(Samplers.Create("dpm-solver++")).ClipDenoised);
        Assert.False(Assert.IsType<UniPcSampler>(Samplers.Create("unipc", clipDenoised: false)).ClipDenoised);
    }

    [Fact]
    public void Create_UnknownName_ListsTheValidOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Samplers.Create("euler"));
        Assert.Contains("ddpm, ddim, dpm-solver++, unipc", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_OptionForAnotherSampler_ThrowsInsteadOfIgnoringIt()
    {
        Assert.Throws<ArgumentException>(() => Samplers.Create("ddpm", eta: 0.3));
        Assert.Throws<ArgumentException>(() => Samplers.Create("dpm-solver++", eta: 1));
        Assert.Throws<ArgumentException>(() => Samplers.Create("unipc", largeVariance: true));
        Assert.Throws<ArgumentException>(() => Samplers.Create("ddim", largeVariance: true));
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Create_DdimEtaOutsideUnitInterval_Throws(double eta) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Samplers.Create("ddim", eta));
}
