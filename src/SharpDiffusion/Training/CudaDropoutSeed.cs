using SharpDiffusion.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// Dropout draws from libtorch's default generator of the device it runs on, not from the trainer's generator. On the CPU
/// that generator's state is saved in every checkpoint (<see cref="CheckpointFile"/>). TorchSharp 0.107 cannot read or
/// set the CUDA default generator's state (only seed it), so on CUDA it is reseeded before every step from (run seed,
/// step): dropout at step s is then the same whether the run got there straight or through any number of resumes.
/// </summary>
public static class CudaDropoutSeed
{
    public static void BeforeStep(Device device, long runSeed, int step)
    {
        if (device.type != DeviceType.CUDA) return;
        cuda.manual_seed_all(For(runSeed, step));
    }

    /// <summary>The seed for <paramref name="step"/>: SplitMix64 of (seed, step), so neighbouring steps get unrelated streams.</summary>
    public static long For(long runSeed, int step) => unchecked((long)SplitMix64.ForItem(runSeed, step).NextUInt64());
}
