using SharpDiffusion.Sampling;

namespace SharpDiffusion.Tests.Sampling;

public class SamplerRegistryTests
{
    [Fact]
    public void Create_EveryName_GivesASamplerOfThatName()
    {
        Assert.Equal(["ddpm", "ddim", "dpm-solver++", "unipc", "euler", "heun"], Samplers.Names);
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
        var ex = Assert.Throws<ArgumentException>(() => Samplers.Create("lms"));
        Assert.Contains("ddpm, ddim, dpm-solver++, unipc, euler, heun", ex.Message, StringComparison.Ordinal);
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

public class SamplerRegistryEntryTests
{
    [Fact]
    public void All_EachEntry_CreatesItsOwnNameAndKnowsItsDefaults()
    {
        // Defaults as docs/sampling.md states them: DDPM runs every timestep; DDIM 50 leading steps; the λ-space solvers 20 log-SNR steps.
        var expected = new Dictionary<string, (TimestepSpacing Spacing, int Steps)>
        {
            ["ddpm"] = (TimestepSpacing.Leading, 1000), ["ddim"] = (TimestepSpacing.Leading, 50),
            ["dpm-solver++"] = (TimestepSpacing.LogSnrUniform, 20), ["unipc"] = (TimestepSpacing.LogSnrUniform, 20),
            ["euler"] = (TimestepSpacing.Karras, 50), ["heun"] = (TimestepSpacing.Karras, 18),
        };
        Assert.Equal(expected.Keys, Samplers.All.Select(s => s.Name));
        foreach (var entry in Samplers.All)
        {
            Assert.Equal(expected[entry.Name], (entry.DefaultSpacing, entry.StepsFor(1000)));
            Assert.Equal(entry.Name, entry.Factory(new SamplerOptions()).Name);
            Assert.Equal(entry.DefaultSpacing, TimestepSpacings.DefaultFor(entry.Name.ToUpperInvariant()));
        }
    }

    [Fact]
    public void HelpTexts_NameEverySamplerOnce()
    {
        Assert.Equal("ddpm, ddim, dpm-solver++, unipc, euler or heun", Samplers.NameList);
        Assert.Equal("50 for ddim and euler, 20 for dpm-solver++ and unipc, 18 for heun, T for ddpm", Samplers.DefaultStepsHelp);
        Assert.Equal("leading for ddpm and ddim, log-snr for dpm-solver++ and unipc, karras for euler and heun", Samplers.DefaultSpacingHelp);
    }

    [Fact]
    public void Choice_CreatesWithTheClippingItIsGiven()
    {
        var choice = new SamplerChoice("ddpm", LargeVariance: true);
        Assert.False(Assert.IsType<DdpmSampler>(choice.Create(clipDenoised: false)).ClipDenoised);
        Assert.True(Assert.IsType<DdpmSampler>(choice.Create(clipDenoised: true)).LargeVariance);
    }
}
