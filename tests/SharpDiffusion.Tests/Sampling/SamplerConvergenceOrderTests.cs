using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Sampling;
using Xunit.Abstractions;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>
/// The observed order of convergence p = log₂(e(n)/e(2n)) of each deterministic sampler, from its exact std error on
/// Gaussian data (<see cref="ExactGaussianError"/>). Expected: DDIM and Euler in σ first order (Song et al. 2021: DDIM is the Euler method of
/// the probability-flow ODE), Heun in σ second (Karras et al. 2022), DPM-Solver++(2M) second (Lu et al. 2022) and UniPC-2 third (Zhao et al. 2023: the
/// corrector UniC raises the predictor's order by one). Step counts are past the pre-asymptotic range where the error
/// changes sign (docs/sampling.md) and below 50 → 100, where UniPC's error (4·10⁻⁵ at 100 steps) nears the floor set by
/// the prior mismatch at t = T−1.
/// </summary>
public class SamplerConvergenceOrderTests(ITestOutputHelper output)
{
    private static readonly NoiseSchedule Schedule = NoiseSchedule.Create(new DiffusionConfig());
    private static readonly SamplerAnalyticData Data = SamplerAnalyticData.Gaussian(0.3, 0.5);

    [Theory]
    [InlineData("ddim", TimestepSpacing.LogSnrUniform, 25, 0.8, 1.2)]
    [InlineData("ddim", TimestepSpacing.LogSnrUniform, 50, 0.8, 1.2)]
    [InlineData("dpm-solver++", TimestepSpacing.LogSnrUniform, 20, 1.6, 2.5)]
    [InlineData("dpm-solver++", TimestepSpacing.LogSnrUniform, 25, 1.6, 2.5)]
    [InlineData("unipc", TimestepSpacing.LogSnrUniform, 20, 2.6, 3.8)]
    [InlineData("unipc", TimestepSpacing.LogSnrUniform, 25, 2.6, 3.8)]
    [InlineData("euler", TimestepSpacing.Karras, 25, 0.8, 1.2)]
    [InlineData("euler", TimestepSpacing.Karras, 50, 0.8, 1.2)]
    [InlineData("heun", TimestepSpacing.Karras, 10, 1.6, 2.5)]
    [InlineData("heun", TimestepSpacing.Karras, 20, 1.6, 2.5)]
    public void DeterministicSampler_DoublingTheSteps_CutsTheErrorByItsOrder(string name, TimestepSpacing spacing, int steps, double minOrder, double maxOrder)
    {
        double coarse = StdError(name, spacing, steps), fine = StdError(name, spacing, 2 * steps);
        double order = Math.Log2(coarse / fine);
        output.WriteLine($"{name} {spacing}: |std error| {coarse:G3} at {steps} steps, {fine:G3} at {2 * steps}: order {order:F2}");
        Assert.InRange(order, minOrder, maxOrder);
    }

    private static double StdError(string name, TimestepSpacing spacing, int steps) =>
        Math.Abs(ExactGaussianError.Of(Samplers.Create(name, clipDenoised: false), Data, Schedule, spacing, steps).Std);
}
