using SharpDiffusion.Runtime;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests;

/// <summary>A test that needs a CUDA device; skipped, with the reason, where there is none (xunit 2 has no runtime skip).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CudaFactAttribute : FactAttribute
{
    public CudaFactAttribute()
    {
        if (Environment.GetEnvironmentVariable(NativeRuntime.LibTorchDirVariable) is null)
            Skip = $"needs CUDA: run on a GPU machine with {NativeRuntime.LibTorchDirVariable} set to a CUDA libtorch (PyTorch's torch/lib); this machine has none";
        else if (!cuda.is_available())
            Skip = $"needs CUDA: {NativeRuntime.LibTorchDirVariable} is set but no CUDA device is available";
    }
}
