using System.Globalization;
using SharpDiffusion.Data;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// x_T, the starting noise of a generation: drawn per sample from (seed, i) (<see cref="SampleNoise"/>: the first draw of sample
/// i's stream), or given by the caller as float [N, …sample shape] in the model's sample space and used exactly as given (no
/// rescaling: every formulation here has the unit-variance prior N(0, I), so x_T is the noise itself). Files are NumPy .npy,
/// so a run can be replayed and compared with PyTorch tools (diffusers' <c>latents=</c>, k-diffusion's <c>x</c>).
/// </summary>
public static class StartingNoise
{
    /// <summary>The x_T that <see cref="ImageGenerator"/> draws for samples 0 … <paramref name="count"/> − 1 of <paramref name="seed"/>: float32 [count, …sampleShape] on the CPU.</summary>
    public static Tensor FromSeed(long seed, int count, long[] sampleShape)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        return new SampleNoise(seed, 0, count, CPU).Next(sampleShape);
    }

    /// <summary>
    /// Checks a given x_T against a model's per-sample shape: float32 or float64, [N ≥ 1, …sampleShape], finite. Returns it as
    /// float32 on the CPU (a float64 array is rounded to float32, as numpy's astype does: the model computes in float32).
    /// </summary>
    /// <param name="name">What holds it, for messages (a file name).</param>
    public static Tensor Check(Tensor xT, long[] sampleShape, string name = "the starting noise")
    {
        ArgumentNullException.ThrowIfNull(xT);
        ArgumentNullException.ThrowIfNull(sampleShape);
        if (xT.dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"{name} is {xT.dtype}, but starting noise must be float32 or float64; convert it (numpy: x.astype(numpy.float32)).");
        string expected = $"[N, {string.Join(", ", sampleShape)}]";
        if (xT.dim() != sampleShape.Length + 1 || !xT.shape.AsSpan(1).SequenceEqual(sampleShape) || xT.shape[0] < 1)
            throw new ArgumentException($"{name} has shape [{string.Join(", ", xT.shape)}], but this model starts from {expected} (N ≥ 1 samples of its sample space); write x_T in that shape.");
        using var scope = NewDisposeScope();
        var cpu = xT.to(ScalarType.Float32, CPU, copy: true); // the caller keeps its own tensor
        using (var bad = cpu.isfinite().logical_not())
        {
            if (bad.any().item<bool>())
            {
                long first = bad.flatten(1).any(1).nonzero()[0, 0].item<long>();
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"{name} holds NaN or infinite values (the first in sample {first}), or values beyond float32's range; starting noise must be finite."));
            }
        }
        return cpu.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Reads x_T from a .npy file (float32 or float64, C order) and <see cref="Check"/>s it; every refusal is one sentence naming
    /// the file (<see cref="DataException"/>; <see cref="FileNotFoundException"/> when it is missing).
    /// </summary>
    public static Tensor Read(string path, long[] sampleShape)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            using var raw = NpyFile.Read(path);
            return Check(raw, sampleShape, $"'{path}'");
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException)
        {
            throw new DataException(e.Message);
        }
        catch (EndOfStreamException)
        {
            throw new DataException($"'{path}' ends too early to be a .npy file (truncated); write it again with numpy.save.");
        }
    }

    /// <summary>Writes x_T (or any float array, such as generated samples) to <paramref name="path"/> as float32 .npy, atomically.</summary>
    public static void Write(string path, Tensor array)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(array);
        using var float32 = array.to(ScalarType.Float32, CPU);
        AtomicFile.Write(path, stream => NpyFile.Write(stream, float32));
    }
}
