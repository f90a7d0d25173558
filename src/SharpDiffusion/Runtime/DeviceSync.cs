using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Runtime;

/// <summary>Device-wide waits and math modes used around timed regions.</summary>
public static class DeviceSync
{
    /// <summary>Returns when every kernel queued on <paramref name="device"/> has finished (CPU work is synchronous already).</summary>
    public static void Wait(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }

    /// <summary>TF32 tensor cores for fp32 matmuls and convolutions on CUDA (PyTorch's defaults for convolutions; matmul opt-in).</summary>
    public static void EnableTf32()
    {
        backends.cuda.matmul.allow_tf32 = true;
        backends.cudnn.allow_tf32 = true;
    }
}
