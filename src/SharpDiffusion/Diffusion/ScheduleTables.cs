using static TorchSharp.torch;

namespace SharpDiffusion.Diffusion;

/// <summary>
/// float32 copies of the per-timestep coefficients on one device, for gathering by a timestep tensor in the hot path.
/// The tensors are detached from every dispose scope: they live as long as the owning <see cref="GaussianDiffusion"/>.
/// </summary>
internal sealed class ScheduleTables
{
    public ScheduleTables(NoiseSchedule schedule, Device device)
    {
        var sqrtAlphaBar = schedule.AlphasCumprod.Select(Math.Sqrt).ToArray();
        var sqrtOneMinusAlphaBar = schedule.AlphasCumprod.Select(a => Math.Sqrt(1 - a)).ToArray();
        SqrtAlphaBar = Table(sqrtAlphaBar, device);
        SqrtOneMinusAlphaBar = Table(sqrtOneMinusAlphaBar, device);
        PosteriorCoefX0 = Table(schedule.PosteriorMeanCoefX0, device);
        PosteriorCoefXt = Table(schedule.PosteriorMeanCoefXt, device);
        PosteriorVariance = Table(schedule.PosteriorVariance, device);
        Snr = Table(schedule.AlphasCumprod.Select(a => a / (1 - a)).ToArray(), device);
    }

    public Tensor SqrtAlphaBar { get; }
    public Tensor SqrtOneMinusAlphaBar { get; }
    public Tensor PosteriorCoefX0 { get; }
    public Tensor PosteriorCoefXt { get; }
    public Tensor PosteriorVariance { get; }

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
}
