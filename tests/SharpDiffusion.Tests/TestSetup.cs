using System.Runtime.CompilerServices;
using SharpDiffusion.Runtime;

namespace SharpDiffusion.Tests;

internal static class TestSetup
{
    /// <summary>Loads libtorch (patching it for Debian 12 where needed) before any test builds a module.</summary>
    [ModuleInitializer]
    internal static void LoadNativeBackend() => NativeRuntime.Initialize(DeviceKind.Cpu);
}
