using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>
/// The exact error of a deterministic sampler on Gaussian data. Without clipping its output is affine in x_T,
/// x₀ = a·x_T + b, so it is exactly N(b, a²): two runs (x_T = 0 and 1, in float64) give the mean and std errors with no
/// Monte-Carlo noise.
/// </summary>
public static class ExactGaussianError
{
    /// <summary>(b − μ, |a| − s) of <paramref name="sampler"/> (created without clipping) on <paramref name="data"/>.</summary>
    public static (double Mean, double Std) Of(ISampler sampler, SamplerAnalyticData data, NoiseSchedule schedule, TimestepSpacing spacing, int steps) =>
        Of(sampler, data, TestLevels.Of(spacing, steps, schedule), new DdpmFormulation(new GaussianDiffusion(schedule, Objective.Eps)));

    /// <summary>The same over any levels, starting from n = 0 and 1 times the formulation's prior scale.</summary>
    public static (double Mean, double Std) Of(ISampler sampler, SamplerAnalyticData data, IReadOnlyList<NoiseLevel> levels, IFormulation formulation)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(formulation);
        using var scope = NewDisposeScope();
        var start = tensor(new double[] { 0, 1 }).reshape(2, 1) * formulation.PriorScale(levels[0]);
        var x = sampler.Sample(data.Denoiser(), start, levels, new SampleNoise(0, 0, 2, CPU)).to(ScalarType.Float64);
        double offset = x[0, 0].item<double>(), slope = (x[1, 0] - x[0, 0]).item<double>();
        return (offset - data.Mean, Math.Abs(slope) - data.Std);
    }
}
