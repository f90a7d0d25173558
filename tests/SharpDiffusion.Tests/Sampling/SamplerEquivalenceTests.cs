using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>Identities between samplers that hold exactly, whatever the denoiser.</summary>
public class SamplerEquivalenceTests
{
    private static readonly NoiseSchedule Schedule = NoiseSchedule.Create(new DiffusionConfig());
    private static readonly Denoiser Mixture = SamplerAnalyticData.TwoModes.Denoiser();

    private static Tensor Run(ISampler sampler, IReadOnlyList<int> timesteps, long seed = 21)
    {
        var noise = new SampleNoise(seed, 0, 64, CPU);
        return sampler.Sample(Mixture, noise.Next([1]), TestLevels.Of(Schedule, timesteps), noise);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Ddim_EtaOne_EqualsDdpmOnTheSameSteps(bool clip)
    {
        // Song et al. 2021, §4.1: η = 1 makes the DDIM update the DDPM posterior step (with the respaced β).
        using var scope = NewDisposeScope();
        var timesteps = Timesteps.Create(TimestepSpacing.Leading, 25, 1000);
        var ddim = Run(new DdimSampler(eta: 1, clip), timesteps);
        var ddpm = Run(new DdpmSampler(largeVariance: false, clip), timesteps);
        Assert.True(ddim.allclose(ddpm, rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void DpmSolverPlusPlus_TwoSteps_EqualsDdim()
    {
        // With two steps DPM-Solver++(2M) takes one first-order step and the final step to x̂₀, and its first-order
        // update is DDIM's (Lu et al. 2022, §4): the results must agree. With more steps the second order must show.
        using var scope = NewDisposeScope();
        var two = Timesteps.Create(TimestepSpacing.LogSnrUniform, 2, Schedule);
        Assert.True(Run(new DpmSolverPlusPlusSampler(false), two).allclose(Run(new DdimSampler(0, false), two), rtol: 1e-4, atol: 1e-5));
        var five = Timesteps.Create(TimestepSpacing.LogSnrUniform, 5, Schedule);
        Assert.False(Run(new DpmSolverPlusPlusSampler(false), five).allclose(Run(new DdimSampler(0, false), five), rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void UniPc_TwoSteps_EqualsDdim()
    {
        // Two steps: one first-order predictor step (DDIM's update) and the final step to x̂₀ at the uncorrected point,
        // so no correction can show. With five steps three points are corrected and UniPC must differ from DPM-Solver++.
        using var scope = NewDisposeScope();
        var two = Timesteps.Create(TimestepSpacing.LogSnrUniform, 2, Schedule);
        Assert.True(Run(new UniPcSampler(false), two).allclose(Run(new DdimSampler(0, false), two), rtol: 1e-4, atol: 1e-5));
        var five = Timesteps.Create(TimestepSpacing.LogSnrUniform, 5, Schedule);
        Assert.False(Run(new UniPcSampler(false), five).allclose(Run(new DpmSolverPlusPlusSampler(false), five), rtol: 1e-3, atol: 1e-3));
    }

    [Fact]
    public void DeterministicSamplers_IgnoreTheNoiseSeed()
    {
        using var scope = NewDisposeScope();
        var timesteps = Timesteps.Create(TimestepSpacing.LogSnrUniform, 6, Schedule);
        foreach (var sampler in new ISampler[] { new DdimSampler(0), new DpmSolverPlusPlusSampler(), new UniPcSampler() })
        {
            var xT = new SampleNoise(1, 0, 16, CPU).Next([1]);
            var a = sampler.Sample(Mixture, xT, TestLevels.Of(Schedule, timesteps), new SampleNoise(1, 0, 16, CPU));
            var b = sampler.Sample(Mixture, xT, TestLevels.Of(Schedule, timesteps), new SampleNoise(2, 0, 16, CPU));
            Assert.True(a.equal(b).all().item<bool>());
        }
    }
}
