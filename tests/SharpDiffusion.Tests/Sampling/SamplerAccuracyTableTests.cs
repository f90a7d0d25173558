using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Sampling;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>
/// Produces the accuracy table of docs/sampling.md (data N(0.3, 0.5²), linear schedule, T = 1000, clipping off) and
/// pins it. Regenerate with:
/// <c>dotnet test --filter SamplerAccuracyTable --logger "console;verbosity=detailed"</c>.
/// </summary>
public class SamplerAccuracyTableTests(ITestOutputHelper output)
{
    private static readonly NoiseSchedule Schedule = NoiseSchedule.Create(new DiffusionConfig());
    private static readonly SamplerAnalyticData Data = SamplerAnalyticData.Gaussian(0.3, 0.5);

    /// <summary>Exact std(x₀) − 0.5 of the deterministic samplers, measured as in <see cref="SamplerSuite"/>; the mean errors stay within ±0.004 (mostly the prior mismatch at t = T−1).</summary>
    public static TheoryData<string, TimestepSpacing, int, double> DeterministicErrors => new()
    {
        { "ddim", TimestepSpacing.Leading, 10, -0.1259 },
        { "ddim", TimestepSpacing.Leading, 20, -0.0663 },
        { "ddim", TimestepSpacing.Leading, 50, -0.0276 },
        { "ddim", TimestepSpacing.Leading, 100, -0.0140 },
        { "ddim", TimestepSpacing.Leading, 250, -0.0057 },
        { "ddim", TimestepSpacing.Leading, 1000, -0.0015 },
        { "ddim", TimestepSpacing.Quadratic, 10, -0.0836 },
        { "ddim", TimestepSpacing.Quadratic, 50, -0.0166 },
        { "ddim", TimestepSpacing.LogSnrUniform, 10, -0.1176 },
        { "ddim", TimestepSpacing.LogSnrUniform, 50, -0.0242 },
        { "dpm-solver++", TimestepSpacing.LogSnrUniform, 5, -0.1002 },
        { "dpm-solver++", TimestepSpacing.LogSnrUniform, 10, 0.0159 },
        { "dpm-solver++", TimestepSpacing.LogSnrUniform, 20, 0.0073 },
        { "dpm-solver++", TimestepSpacing.LogSnrUniform, 50, 0.0011 },
        { "dpm-solver++", TimestepSpacing.LogSnrUniform, 100, 0.0002 },
        { "dpm-solver++", TimestepSpacing.Quadratic, 10, 0.0531 },
        { "dpm-solver++", TimestepSpacing.Quadratic, 20, 0.0115 },
        { "dpm-solver++", TimestepSpacing.Leading, 10, 0.1910 },
        { "dpm-solver++", TimestepSpacing.Leading, 20, 0.1135 },
        { "dpm-solver++", TimestepSpacing.Trailing, 10, -0.0952 },
        { "dpm-solver++", TimestepSpacing.Trailing, 20, -0.0218 },
        { "dpm-solver++", TimestepSpacing.LogSnrUniform, 40, 0.0018 },
        { "unipc", TimestepSpacing.LogSnrUniform, 5, -0.0875 },
        { "unipc", TimestepSpacing.LogSnrUniform, 10, 0.0254 },
        { "unipc", TimestepSpacing.LogSnrUniform, 20, 0.0047 },
        { "unipc", TimestepSpacing.LogSnrUniform, 40, 0.0005 },
        { "unipc", TimestepSpacing.LogSnrUniform, 50, 0.0002 },
    };

    [Theory]
    [MemberData(nameof(DeterministicErrors))]
    public void DeterministicSampler_ExactStdError_MatchesTheTable(string name, TimestepSpacing spacing, int steps, double expected)
    {
        var (meanError, stdError) = ExactGaussianError.Of(Samplers.Create(name, clipDenoised: false), Data, Schedule, spacing, steps);
        output.WriteLine($"| {name} | {spacing} | {steps} | {meanError:+0.0000;-0.0000} | {stdError:+0.0000;-0.0000} |");
        Assert.Equal(expected, stdError, 2e-4);
        Assert.InRange(meanError, -0.004, 0.004);
    }

    [Fact]
    public void Ddpm_FewSteps_SmallVarianceShrinksAndLargeVarianceWidensTheData()
    {
        // Ho et al. 2020 §3.2: σ² = β̃ is optimal for a point mass, σ² = β for N(0, I) data; data of std 0.5 lie between,
        // so with few steps the first under- and the second over-disperses. Both converge at 1000 steps.
        const int n = 4096;
        double standardError = Data.StdStandardError(n);
        foreach (bool large in new[] { false, true })
        {
            foreach (int steps in new[] { 10, 50, 100, 1000 })
            {
                using var scope = NewDisposeScope();
                var noise = new SampleNoise(1, 0, n, CPU);
                var x = new DdpmSampler(large, clipDenoised: false).Sample(Data.Denoiser(), noise.Next([1]), TestLevels.Of(TimestepSpacing.Leading, steps, Schedule), noise).to(ScalarType.Float64);
                double error = x.std().item<double>() - Data.Std;
                output.WriteLine($"| ddpm{(large ? " (σ²=β)" : "")} | Leading | {steps} | {x.mean().item<double>() - Data.Mean:+0.0000;-0.0000} | {error:+0.0000;-0.0000} |");
                if (steps == 10) Assert.True(large ? error > 4 * standardError : error < -4 * standardError, $"{steps}-step error {error:G3}");
                if (steps == 1000) Assert.InRange(error, -4 * standardError - 0.01, 4 * standardError + 0.01);
            }
        }
    }
}
