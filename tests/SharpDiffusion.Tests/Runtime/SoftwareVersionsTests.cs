using System.Reflection;
using SharpDiffusion.Runtime;

namespace SharpDiffusion.Tests.Runtime;

public sealed class SoftwareVersionsTests
{
    [Theory]
    [InlineData("0.1.0+27f7a1d3bc850c8aea07a58fe2cf81bea8ca37d3", "0.1.0", "27f7a1d3bc850c8aea07a58fe2cf81bea8ca37d3")]
    [InlineData("0.1.0-ci.1+abc", "0.1.0-ci.1", "abc")]
    [InlineData("0.1.0", "0.1.0", null)] // built outside a git checkout: no commit, and none made up
    public void ParseInformational_SplitsVersionAndCommitAtThePlus(string informational, string version, string? commit) =>
        Assert.Equal((version, commit), SoftwareVersions.ParseInformational(informational));

    [Fact]
    public void Current_NamesThePinnedTorchSharpAndItsLibtorch_AndTheLibrarysOwnVersion()
    {
        var current = SoftwareVersions.Current;
        // Directory.Packages.props pins TorchSharp 0.107.0, which binds libtorch 2.10.0.
        Assert.Equal("0.107.0", current.TorchSharp);
        Assert.StartsWith("2.10.0", current.Libtorch, StringComparison.Ordinal);
        string informational = typeof(SoftwareVersions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(informational, current.Commit is null ? current.Tool : $"{current.Tool}+{current.Commit}");
    }
}
