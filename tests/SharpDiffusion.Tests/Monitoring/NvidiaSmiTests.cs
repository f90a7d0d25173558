using SharpDiffusion.Monitoring;

namespace SharpDiffusion.Tests.Monitoring;

/// <summary>
/// Parsing of <c>nvidia-smi --query-gpu=utilization.gpu,memory.used,power.draw,temperature.gpu --format=csv,noheader,nounits</c>.
/// The sample strings are written to the format documented by <c>nvidia-smi --help-query-gpu</c> (one line per GPU, values
/// comma+space separated, no units, "[N/A]"/"[Not Supported]" for fields a board does not report); no GPU was available to
/// capture live output when they were written.
/// </summary>
public sealed class NvidiaSmiTests
{
    [Fact]
    public void Parse_OneGpu_ReadsEachField()
    {
        var r = NvidiaSmi.Parse("87, 40536, 412.34, 61\n");
        Assert.Equal(new GpuReading(87, 40536, 412.34, 61), r);
    }

    [Fact]
    public void Parse_TwoGpus_AveragesUtilSumsMemoryAndPowerTakesHottest()
    {
        var r = NvidiaSmi.Parse("80, 1000, 300.5, 60\n40, 3000, 99.5, 71\n");
        Assert.Equal(new GpuReading(60, 4000, 400, 71), r);
    }

    [Fact]
    public void Parse_FieldNotSupported_IsNullOthersKept()
    {
        var r = NvidiaSmi.Parse("12, 512, [N/A], 45\n");
        Assert.Equal(new GpuReading(12, 512, null, 45), r);
        Assert.Equal(new GpuReading(null, 2048, 70, 50), NvidiaSmi.Parse("[Not Supported], 2048, 70.00, 50"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("No devices were found\n")]
    [InlineData("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n")]
    public void Parse_NoGpuLines_IsNull(string output) => Assert.Null(NvidiaSmi.Parse(output));

    [Fact]
    public void TryFind_FolderWithoutNvidiaSmi_IsNull() =>
        Assert.Null(NvidiaSmi.TryFind(Directory.CreateTempSubdirectory("sd-nosmi-").FullName));
}
