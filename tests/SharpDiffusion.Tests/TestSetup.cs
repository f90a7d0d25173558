using System.Runtime.CompilerServices;
using SharpDiffusion.Runtime;

namespace SharpDiffusion.Tests;

internal static class TestSetup
{
    /// <summary>
    /// Loads libtorch (patching it for Debian 12 where needed) before any test builds a module: the CUDA build first where
    /// SHARPDIFFUSION_LIBTORCH names one (a GPU machine, for <see cref="CudaFactAttribute"/> tests), else the CPU build.
    /// </summary>
    [ModuleInitializer]
    internal static void LoadNativeBackend() =>
        NativeRuntime.Initialize(Environment.GetEnvironmentVariable(NativeRuntime.LibTorchDirVariable) is null ? DeviceKind.Cpu : DeviceKind.Auto);
}
