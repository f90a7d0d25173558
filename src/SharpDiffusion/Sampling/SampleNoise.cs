using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// The random source of one batch of samples. Sample i (global index firstIndex + k) owns its own stream, keyed by
/// (seed, i) only, so its noise is the same whatever batch it is drawn in, at whatever position, on whatever device:
/// sampling 64 images as one batch or as 8 batches of 8 gives the same images. Each call to <see cref="Next"/>
/// advances every stream; the noise is generated on the CPU (xoshiro256** and Box–Muller) and copied to the device.
/// Not thread-safe: one instance per sampling loop.
/// </summary>
public sealed class SampleNoise
{
    private const int ParallelThreshold = 1 << 16;
    private readonly ulong[][] streams;

    public SampleNoise(long seed, int firstIndex, int count, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        Seed = seed;
        FirstIndex = firstIndex;
        Count = count;
        Device = device;
        streams = new ulong[count][];
        for (int k = 0; k < count; k++) streams[k] = StreamState(seed, firstIndex + (long)k);
    }

    public long Seed { get; }

    /// <summary>Global index of the first sample of this batch.</summary>
    public int FirstIndex { get; }

    /// <summary>Number of samples (the batch size).</summary>
    public int Count { get; }

    public Device Device { get; }

    /// <summary>Standard normal float32 noise [Count, …perSampleShape] on <see cref="Device"/>.</summary>
    public Tensor Next(long[] perSampleShape)
    {
        ArgumentNullException.ThrowIfNull(perSampleShape);
        long perSample = 1;
        foreach (long d in perSampleShape)
        {
            if (d < 1) throw new ArgumentOutOfRangeException(nameof(perSampleShape), d, "Every dimension of the per-sample shape must be at least 1.");
            perSample = checked(perSample * d);
        }
        int n = checked((int)perSample);
        var values = new float[checked(n * Count)];
        if ((long)n * Count >= ParallelThreshold)
            Parallel.For(0, Count, k => FillNormal(streams[k], values.AsSpan(k * n, n)));
        else
            for (int k = 0; k < Count; k++) FillNormal(streams[k], values.AsSpan(k * n, n));

        var shape = new long[perSampleShape.Length + 1];
        shape[0] = Count;
        perSampleShape.CopyTo(shape, 1);
        using var cpu = tensor(values, shape, ScalarType.Float32);
        return cpu.to(Device);
    }

    /// <summary>xoshiro256** state for sample i, from SplitMix64 seeded with a hash of (seed, i) (Blackman &amp; Vigna 2018).</summary>
    private static ulong[] StreamState(long seed, long index)
    {
        ulong key = Mix(Mix(unchecked((ulong)seed)) ^ Mix(unchecked((ulong)index) + 0x632BE59BD9B4E019UL));
        var state = new ulong[4];
        for (int j = 0; j < 4; j++)
        {
            key = unchecked(key + 0x9E3779B97F4A7C15UL);
            state[j] = Mix(key);
        }
        return state;
    }

    /// <summary>SplitMix64 finaliser.</summary>
    private static ulong Mix(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    private static ulong NextUInt64(ulong[] s)
    {
        unchecked
        {
            ulong result = ulong.RotateLeft(s[1] * 5, 7) * 9;
            ulong t = s[1] << 17;
            s[2] ^= s[0];
            s[3] ^= s[1];
            s[1] ^= s[2];
            s[0] ^= s[3];
            s[2] ^= t;
            s[3] = ulong.RotateLeft(s[3], 45);
            return result;
        }
    }

    /// <summary>Box–Muller on pairs of 53-bit uniforms; an odd count discards the last value so every call uses whole pairs.</summary>
    private static void FillNormal(ulong[] state, Span<float> output)
    {
        const double unit = 1.0 / (1UL << 53);
        for (int j = 0; j < output.Length; j += 2)
        {
            double u1 = ((NextUInt64(state) >> 11) + 1) * unit; // (0, 1]: log is finite
            double u2 = (NextUInt64(state) >> 11) * unit;
            double radius = Math.Sqrt(-2 * Math.Log(u1));
            var (sin, cos) = Math.SinCos(2 * Math.PI * u2);
            output[j] = (float)(radius * cos);
            if (j + 1 < output.Length) output[j + 1] = (float)(radius * sin);
        }
    }
}
