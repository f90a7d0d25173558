using SharpDiffusion.Config;

namespace SharpDiffusion.Tests.Monitoring;

public sealed class MonitorIntervalConfigTests
{
    [Fact]
    public void Default_IsFiveSeconds() => Assert.Equal(5, ConfigLoader.Load(null).Training.MonitorIntervalS);

    [Theory]
    [InlineData("0", 0)]
    [InlineData("0.5", 0.5)]
    public void Set_ValidInterval_Accepted(string value, double expected) =>
        Assert.Equal(expected, ConfigLoader.Load(null, [$"training.monitor_interval_s={value}"]).Training.MonitorIntervalS);

    [Theory]
    [InlineData("-1")]
    [InlineData("0.01")]
    public void Set_InvalidInterval_RefusedNamingTheKey(string value)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, [$"training.monitor_interval_s={value}"]));
        Assert.Contains("training.monitor_interval_s", e.Message, StringComparison.Ordinal);
    }
}
