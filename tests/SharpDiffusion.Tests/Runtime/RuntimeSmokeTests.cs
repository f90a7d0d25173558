using SharpDiffusion.Runtime;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests;

public class RuntimeSmokeTests
{
    [Fact]
    public void Initialize_Cpu_RunsAMatrixProduct()
    {
        var device = NativeRuntime.Initialize(DeviceKind.Cpu);
        using var a = ones(2, 3, device: device);
        using var b = ones(3, 4, device: device);
        Assert.Equal(3f, a.matmul(b)[1, 2].item<float>());
    }
}
