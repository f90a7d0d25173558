using SharpDiffusion.Runtime;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Runtime;

/// <summary>When the channel padding applies (issue 20 §1, §4 and its bad input), from each input of the decision.</summary>
public sealed class OneDnnSetupTests
{
    private static readonly CacheTopologyReport ZeroLeafAmd = new("AuthenticAMD", TopologyLeafAdvertised: true, TopologyLeafReportsCaches: false, SysfsCacheEntries: 0);
    private static readonly CacheTopologyReport ReportingAmd = ZeroLeafAmd with { TopologyLeafReportsCaches = true, SysfsCacheEntries = 4 };
    private static readonly CacheTopologyReport Intel = new("GenuineIntel", TopologyLeafAdvertised: false, TopologyLeafReportsCaches: false, SysfsCacheEntries: 4);

    private static OneDnnSetup Decide(CacheTopologyReport cpu, string? version = "3.7.1", string cpuIsa = "AVX512_CORE_BF16", string? userIsa = null, string? forced = null, List<string>? warnings = null) =>
        OneDnnSetup.Decide(version, cpuIsa, userIsa, cpu, forced, m => (warnings ?? []).Add(m));

    [Fact]
    public void Decide_ZeroLeafAmdWithOldOneDnn_PadsToTheAvx512Block()
    {
        var setup = Decide(ZeroLeafAmd);
        Assert.Equal(16, setup.ChannelPadding);
        Assert.Equal("AVX512_CORE_BF16", setup.Isa);
        Assert.Equal("cpu", setup.IsaSource);
        Assert.Contains("all zeros", setup.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_ZeroLeafAmdAtAvx2_PadsToEight() => Assert.Equal(8, Decide(ZeroLeafAmd, cpuIsa: "AVX2").ChannelPadding);

    [Fact]
    public void Decide_ZeroLeafAmdWithSysfsListingCaches_StillPads_CpuidIsWhatOneDnnReads()
    {
        var setup = Decide(ZeroLeafAmd with { SysfsCacheEntries = 4 });
        Assert.Equal(16, setup.ChannelPadding);
        Assert.Contains("sysfs lists 4 caches", setup.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("3.8.0")]
    [InlineData("3.10.2")]
    [InlineData("4.0")]
    public void Decide_FixedOneDnn_DoesNotPad(string version) => Assert.Equal(0, Decide(ZeroLeafAmd, version).ChannelPadding);

    [Fact]
    public void Decide_UnknownOneDnnVersionOnZeroLeafAmd_Pads_CorrectnessFirst() => Assert.Equal(16, Decide(ZeroLeafAmd, version: null).ChannelPadding);

    [Fact]
    public void Decide_AmdReportingItsCaches_RunsFullIsaUnpadded()
    {
        var setup = Decide(ReportingAmd);
        Assert.Equal((0, "AVX512_CORE_BF16"), (setup.ChannelPadding, setup.Isa));
    }

    [Fact]
    public void Decide_IntelWithoutTheLeaf_RunsFullIsaUnpadded() => Assert.Equal(0, Decide(Intel).ChannelPadding);

    [Fact]
    public void Decide_OutsideX86_DoesNotPadAndNamesNoX86Level()
    {
        var setup = OneDnnSetup.Decide("3.7.1", cpuIsa: null, userIsa: null, new CacheTopologyReport("non-x86", false, false, 0), forced: null, _ => { });
        Assert.Equal((0, OneDnnSetup.NotX86), (setup.ChannelPadding, setup.Isa));
    }

    [Fact]
    public void Decide_AmdWithoutTopologyLeaf_DoesNotPad() =>
        Assert.Equal(0, Decide(ZeroLeafAmd with { TopologyLeafAdvertised = false }).ChannelPadding);

    [Theory]
    [InlineData("SSE41", "SSE41", 0)]
    [InlineData("avx2", "AVX2", 8)]
    [InlineData("AVX512_CORE", "AVX512_CORE", 16)]
    [InlineData("DEFAULT", "AVX512_CORE_BF16", 16)]
    [InlineData("AVX10_1_512_AMX", "AVX512_CORE_BF16", 16)] // a cap above the CPU leaves the CPU's level
    public void Decide_UserCap_IsRespectedAndSetsTheBlock(string userIsa, string expectedIsa, int expectedPadding)
    {
        var setup = Decide(ZeroLeafAmd, userIsa: userIsa);
        Assert.Equal((expectedIsa, expectedPadding), (setup.Isa, setup.ChannelPadding));
        Assert.Equal($"{OneDnnSetup.IsaVariable}={userIsa}", setup.IsaSource);
    }

    [Fact]
    public void Decide_UnparseableIsa_WarnsOnceNamingItAndDecidesAsWithout()
    {
        var warnings = new List<string>();
        var setup = Decide(ZeroLeafAmd, userIsa: "AVX9000", warnings: warnings);
        var warning = Assert.Single(warnings);
        Assert.Contains("ONEDNN_MAX_CPU_ISA=AVX9000", warning, StringComparison.Ordinal);
        Assert.Contains("left to oneDNN", warning, StringComparison.Ordinal);
        Assert.Equal(Decide(ZeroLeafAmd) with { }, setup);
    }

    [Theory]
    [InlineData("on", 16)]
    [InlineData("ON", 16)]
    [InlineData("off", 0)]
    [InlineData("auto", 0)]
    public void Decide_ForcedPadding_OverridesTheHost(string forced, int expected) =>
        Assert.Equal(expected, Decide(ReportingAmd, forced: forced).ChannelPadding);

    [Fact]
    public void Decide_ForcedOnAtSse41_PadsToEight_TheSmallestBlock() =>
        Assert.Equal(8, Decide(ReportingAmd, cpuIsa: "SSE41", forced: "on").ChannelPadding);

    [Fact]
    public void Decide_BadForcedValue_WarnsAndDecidesFromTheHost()
    {
        var warnings = new List<string>();
        Assert.Equal(16, Decide(ZeroLeafAmd, forced: "maybe", warnings: warnings).ChannelPadding);
        Assert.Contains(OneDnnSetup.PaddingVariable, Assert.Single(warnings), StringComparison.Ordinal);
    }

    /// <summary>libtorch 2.10 bundles oneDNN 3.7.1 (ONEDNN_VERBOSE=1 prints it: docs/architecture.md); read here from at::get_mkldnn_version.</summary>
    [Fact]
    public void Current_ReadsTheBundledOneDnnVersion()
    {
        if (!__version__.StartsWith("2.10", StringComparison.Ordinal)) return; // another libtorch (CUDA from a PyTorch install) bundles its own
        Assert.Equal("3.7.1", OneDnnSetup.Current.Version);
    }

    [Fact]
    public void Current_WithoutUserCap_RunsTheCpusBestIsa()
    {
        if (Environment.GetEnvironmentVariable(OneDnnSetup.IsaVariable) is not null) return;
        Assert.Equal(OneDnnIsa.BestForThisCpu(), OneDnnSetup.Current.Isa);
    }
}
