using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models;

/// <summary>The sinusoidal timestep embedding of Ho et al. 2020 (after Vaswani et al. 2017, §3.5).</summary>
public static class TimestepEmbedding
{
    // held Scalars (see Sampling/Scaled): arange's start and step, which its one-Scalar overload makes as temporaries.
    private static readonly Scalar IntZero = 0.ToScalar();
    private static readonly Scalar IntOne = 1.ToScalar();

    /// <summary>
    /// Maps integer timesteps <paramref name="t"/> [B] to float32 [B, dim]: the first half is sin(t·ω_k), the second cos(t·ω_k),
    /// with ω_k = 10000^(−k/(dim/2 − 1)), k = 0 … dim/2 − 1 (the DDPM / denoising-diffusion-pytorch convention).
    /// </summary>
    public static Tensor Sinusoidal(Tensor t, int dim)
    {
        if (dim < 4 || dim % 2 != 0) throw new ArgumentException($"The timestep embedding width ({dim}) must be even and at least 4; use an even model.dim.");
        using var scope = NewDisposeScope();
        int half = dim / 2;
        using var end = half.ToScalar();
        var k = arange(IntZero, end, IntOne, ScalarType.Float32, t.device);
        var frequencies = exp(Sampling.Scaled.By(k, -Math.Log(10000.0) / (half - 1)));
        var angles = t.to(ScalarType.Float32).unsqueeze(1) * frequencies.unsqueeze(0);
        return cat([sin(angles), cos(angles)], dim: 1).MoveToOuterDisposeScope();
    }
}
