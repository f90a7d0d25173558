using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;

namespace SharpDiffusion.Tests.Diffusion;

public class DiffusionScheduleTests
{
    private static NoiseSchedule Make(BetaSchedule kind, int T = 1000) =>
        NoiseSchedule.Create(new DiffusionConfig { Schedule = kind, Timesteps = T });

    [Fact]
    public void Linear_Betas_RunEvenlyFromBetaStartToBetaEnd()
    {
        var schedule = Make(BetaSchedule.Linear);
        Assert.Equal(1000, schedule.Timesteps);
        Assert.Equal(1e-4, schedule.Betas[0], 15);
        Assert.Equal(0.02, schedule.Betas[999], 15);
        Assert.Equal(1e-4 + (0.02 - 1e-4) * 400 / 999, schedule.Betas[400], 15);
    }

    [Fact]
    public void Linear_AlphasCumprod_EqualsTheRunningProductOfOneMinusBeta()
    {
        var schedule = Make(BetaSchedule.Linear);
        double product = 1;
        for (int t = 0; t < 1000; t++)
        {
            product *= 1 - (1e-4 + (0.02 - 1e-4) * t / 999);
            Assert.Equal(product, schedule.AlphasCumprod[t], product * 1e-12);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(500)]
    [InlineData(900)]
    [InlineData(990)]
    public void Cosine_AlphasCumprod_FollowsNicholDhariwalEq17(int t)
    {
        static double F(double u) => Math.Pow(Math.Cos((u + 0.008) / 1.008 * Math.PI / 2), 2);
        var schedule = Make(BetaSchedule.Cosine);
        double expected = F((t + 1) / 1000.0) / F(0);
        Assert.Equal(expected, schedule.AlphasCumprod[t], expected * 1e-9);
    }

    [Fact]
    public void Cosine_LastBeta_IsClippedTo0999()
    {
        var schedule = Make(BetaSchedule.Cosine);
        Assert.Equal(0.999, schedule.Betas[999], 15);
        Assert.All(schedule.Betas, b => Assert.InRange(b, 0, 0.999));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(700)]
    [InlineData(998)]
    public void Sigmoid_AlphasCumprod_FollowsTheScaledSigmoid(int t)
    {
        static double S(double z) => 1 / (1 + Math.Exp(-z));
        var schedule = Make(BetaSchedule.Sigmoid);
        double expected = (S(3) - S(6.0 * (t + 1) / 1000 - 3)) / (S(3) - S(-3));
        Assert.Equal(expected, schedule.AlphasCumprod[t], expected * 1e-9);
    }

    [Fact]
    public void Sigmoid_AlphasCumprod_FallsMonotonicallyFromNearOneToNearZero()
    {
        var schedule = Make(BetaSchedule.Sigmoid);
        Assert.True(schedule.AlphasCumprod[0] > 0.999);
        Assert.True(schedule.AlphasCumprod[999] < 1e-6);
        for (int t = 1; t < 1000; t++) Assert.True(schedule.AlphasCumprod[t] < schedule.AlphasCumprod[t - 1]);
        Assert.Equal(0.999, schedule.Betas[999], 15);
    }

    [Fact]
    public void PosteriorVariance_IsTheGaussianProductVariance()
    {
        // q(x_{t−1} | x_t, x_0) ∝ N(x_{t−1}; √ᾱ_{t−1} x_0, 1 − ᾱ_{t−1}) · N(x_t; √α_t x_{t−1}, β_t): precisions add.
        var schedule = Make(BetaSchedule.Linear);
        foreach (int t in new[] { 1, 10, 500, 999 })
        {
            double beta = schedule.Betas[t], previous = schedule.AlphasCumprod[t - 1];
            double expected = 1 / (1 / (1 - previous) + (1 - beta) / beta);
            Assert.Equal(expected, schedule.PosteriorVariance[t], expected * 1e-12);
        }
        Assert.Equal(0, schedule.PosteriorVariance[0]);
    }

    [Fact]
    public void LogSnr_IsLogOfAlphaBarOverOneMinusAlphaBar()
    {
        var schedule = Make(BetaSchedule.Linear);
        double a = schedule.AlphasCumprod[250];
        Assert.Equal(Math.Log(a / (1 - a)), schedule.LogSnr(250), 12);
        Assert.Equal(double.PositiveInfinity, schedule.LogSnr(-1));
        Assert.Equal(1.0, schedule.AlphaBar(-1));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void FromBetas_BetaOutsideOpenUnitInterval_Throws(double bad) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.FromBetas([0.1, bad]));

    [Fact]
    public void Create_ZeroTimesteps_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => NoiseSchedule.Create(new DiffusionConfig { Timesteps = 0 }));
}
