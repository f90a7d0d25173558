// Copied from src/SharpDiffusion/Diffusion/NoiseSchedule.cs (AlphaBar, LogSnr) and ScheduleTables.cs (the float32 tables)
// at 8b02e6c as the oracle for issue 22's contract refactor; do not edit. The oracle reads nothing of the production
// schedule but its float64 ᾱ table (NoiseSchedule.AlphasCumprod), which the refactor carries unchanged.
using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>Today's schedule lookups: ᾱ_t with ᾱ_{−1} = 1, log-SNR, and the float32 tables the hot path gathers from.</summary>
internal sealed class LegacySchedule
{
    private readonly double[] alphasCumprod;

    public LegacySchedule(NoiseSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        alphasCumprod = [.. schedule.AlphasCumprod];
    }

    /// <summary>Number of forward steps T.</summary>
    public int Timesteps => alphasCumprod.Length;

    /// <summary>ᾱ_t = ∏_{s≤t} (1 − β_s).</summary>
    public IReadOnlyList<double> AlphasCumprod => alphasCumprod;

    /// <summary>ᾱ_t, with ᾱ_{−1} = 1 (clean data).</summary>
    public double AlphaBar(int t)
    {
        if (t < -1 || t >= alphasCumprod.Length)
            throw new ArgumentOutOfRangeException(nameof(t), t, $"Timestep must lie in [-1, {alphasCumprod.Length - 1}].");
        return t < 0 ? 1 : alphasCumprod[t];
    }

    /// <summary>log-SNR λ_t = log(ᾱ_t / (1 − ᾱ_t)) (Kingma et al. 2021); +∞ at t = −1.</summary>
    public double LogSnr(int t)
    {
        double alphaBar = AlphaBar(t);
        return t < 0 ? double.PositiveInfinity : Math.Log(alphaBar) - Math.Log(1 - alphaBar);
    }
}

/// <summary>
/// float32 copies of the per-timestep coefficients (ScheduleTables at 8b02e6c, the ones Interpret, QSample, Target and
/// LossWeight read): the roots and the SNR in float64, then cast to float32.
/// </summary>
internal sealed class LegacyScheduleTables : IDisposable
{
    public LegacyScheduleTables(LegacySchedule schedule, Device device)
    {
        var sqrtAlphaBar = schedule.AlphasCumprod.Select(Math.Sqrt).ToArray();
        var sqrtOneMinusAlphaBar = schedule.AlphasCumprod.Select(a => Math.Sqrt(1 - a)).ToArray();
        SqrtAlphaBar = Table(sqrtAlphaBar, device);
        SqrtOneMinusAlphaBar = Table(sqrtOneMinusAlphaBar, device);
        Snr = Table(schedule.AlphasCumprod.Select(a => a / (1 - a)).ToArray(), device);
    }

    public Tensor SqrtAlphaBar { get; }
    public Tensor SqrtOneMinusAlphaBar { get; }

    /// <summary>Signal-to-noise ratio ᾱ_t / (1 − ᾱ_t).</summary>
    public Tensor Snr { get; }

    /// <summary>table[t] reshaped to [B, 1, …, 1] so that it broadcasts against <paramref name="like"/>, in its dtype.</summary>
    public static Tensor Gather(Tensor table, Tensor t, Tensor like)
    {
        var shape = new long[like.dim()];
        Array.Fill(shape, 1L);
        shape[0] = t.shape[0];
        return table.index_select(0, t).reshape(shape).to(like.dtype);
    }

    private static Tensor Table(IReadOnlyList<double> values, Device device)
    {
        using var cpu = tensor(values.ToArray(), dtype: ScalarType.Float64);
        return cpu.to(ScalarType.Float32, device).DetachFromDisposeScope();
    }

    public void Dispose()
    {
        SqrtAlphaBar.Dispose();
        SqrtOneMinusAlphaBar.Dispose();
        Snr.Dispose();
    }
}
