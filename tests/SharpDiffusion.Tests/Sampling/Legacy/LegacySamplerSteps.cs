// Copied from src/SharpDiffusion/Sampling/SamplerSteps.cs at 8b02e6c as the oracle for issue 22's contract refactor; do not edit.
// Renamed with a Legacy prefix; the arithmetic (operation order, dtypes, Scaled.By calls) is unchanged, so the production
// code after the refactor must reproduce it bit for bit (LegacySamplerOracleTests).
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>What every sampler shares: argument checks, the per-step dispose-scope loop and the ε ↔ x̂_0 algebra.</summary>
internal static class LegacySamplerSteps
{
    public static void Validate(LegacyDenoiser denoiser, Tensor xT, IReadOnlyList<int> timesteps, LegacySchedule schedule, SampleNoise noise)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(xT);
        ArgumentNullException.ThrowIfNull(timesteps);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(noise);
        if (xT.dim() < 1 || xT.shape[0] < 1)
            throw new ArgumentException("x_T must have a batch dimension with at least one sample.", nameof(xT));
        if (noise.Count != xT.shape[0])
            throw new ArgumentException($"The noise source covers {noise.Count} samples but x_T has {xT.shape[0]}; create SampleNoise with count = batch size.", nameof(noise));
        if (timesteps.Count == 0)
            throw new ArgumentException("The timestep list is empty; use Timesteps.Create to make one.", nameof(timesteps));
        for (int i = 0; i < timesteps.Count; i++)
        {
            if (timesteps[i] < 0 || timesteps[i] >= schedule.Timesteps)
                throw new ArgumentException($"Timestep {timesteps[i]} lies outside [0, {schedule.Timesteps - 1}]; use Timesteps.Create to make the list.", nameof(timesteps));
            if (i > 0 && timesteps[i] >= timesteps[i - 1])
                throw new ArgumentException($"Timesteps must be strictly decreasing, but {timesteps[i - 1]} is followed by {timesteps[i]}; use Timesteps.Create to make the list.", nameof(timesteps));
        }
    }

    /// <summary>
    /// Runs step(i, x) for each timestep inside its own dispose scope, keeping only the new x; intermediate x's are
    /// disposed, the caller's x_T is not.
    /// </summary>
    public static Tensor Loop(Tensor xT, int steps, Action<int, int>? progress, Func<int, Tensor, Tensor> step)
    {
        Tensor x = xT;
        for (int i = 0; i < steps; i++)
        {
            Tensor next;
            using (NewDisposeScope()) next = step(i, x).MoveToOuterDisposeScope();
            if (!ReferenceEquals(x, xT)) x.Dispose();
            x = next;
            progress?.Invoke(i + 1, steps);
        }
        return x;
    }

    /// <summary>The timestep after step i: the next entry, or −1 (clean data, ᾱ = 1) after the last.</summary>
    public static int Previous(IReadOnlyList<int> timesteps, int i) => i + 1 < timesteps.Count ? timesteps[i + 1] : -1;

    public static Tensor Evaluate(LegacyDenoiser denoiser, Tensor x, int t)
    {
        var tensorT = full([x.shape[0]], t, ScalarType.Int64, x.device);
        return denoiser(x, tensorT).to(x.dtype);
    }

    /// <summary>x̂_0 = (x_t − √(1−ᾱ) ε̂)/√ᾱ (Ho et al. 2020, eq. 4 solved for x_0), clipped to [−1, 1] on request.</summary>
    public static Tensor PredictX0(Tensor x, Tensor eps, double alphaBar, bool clip)
    {
        var x0 = Scaled.By(x, 1 / Math.Sqrt(alphaBar)) - Scaled.By(eps, Math.Sqrt((1 - alphaBar) / alphaBar));
        return clip ? x0.clamp(Scaled.MinusOne, Scaled.One) : x0;
    }

    /// <summary>ε̂ consistent with a (clipped) x̂_0: (x_t − √ᾱ x̂_0)/√(1−ᾱ).</summary>
    public static Tensor EpsFromX0(Tensor x, Tensor x0, double alphaBar) =>
        Scaled.By(x - Scaled.By(x0, Math.Sqrt(alphaBar)), 1 / Math.Sqrt(1 - alphaBar));

    /// <summary>Fresh per-sample noise shaped and typed like x.</summary>
    public static Tensor Noise(SampleNoise noise, Tensor x) => noise.Next(x.shape[1..]).to(x.dtype, x.device);
}
