using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Sampling;

namespace SharpDiffusion.Tests.Sampling;

public class SamplerTimestepsTests
{
    private static readonly NoiseSchedule Linear = NoiseSchedule.Create(new DiffusionConfig());

    [Theory]
    [InlineData(TimestepSpacing.Leading, new[] { 750, 500, 250, 0 })]
    [InlineData(TimestepSpacing.Trailing, new[] { 999, 749, 499, 249 })]
    [InlineData(TimestepSpacing.Quadratic, new[] { 999, 444, 111, 0 })]
    public void Create_FourOfAThousand_GivesTheKnownSteps(TimestepSpacing spacing, int[] expected) =>
        Assert.Equal(expected, Timesteps.Create(spacing, 4, 1000));

    [Theory]
    [InlineData(TimestepSpacing.Leading)]
    [InlineData(TimestepSpacing.Trailing)]
    [InlineData(TimestepSpacing.Quadratic)]
    [InlineData(TimestepSpacing.LogSnrUniform)]
    [InlineData(TimestepSpacing.Ddp)]
    public void Create_AnyCount_GivesThatManyStrictlyDecreasingStepsInRange(TimestepSpacing spacing)
    {
        foreach (var schedule in new[] { Linear, NoiseSchedule.Create(new DiffusionConfig { Schedule = BetaSchedule.Sigmoid }) })
        {
            foreach (int steps in new[] { 1, 2, 7, 50, 250, 999, 1000 })
            {
                var t = Timesteps.Create(spacing, steps, schedule);
                Assert.Equal(steps, t.Count);
                Assert.InRange(t[^1], 0, 999);
                Assert.InRange(t[0], 0, 999);
                for (int i = 1; i < t.Count; i++) Assert.True(t[i] < t[i - 1], $"{spacing} with {steps} steps is not strictly decreasing at {i}");
            }
        }
    }

    [Theory]
    [InlineData(TimestepSpacing.Leading)]
    [InlineData(TimestepSpacing.Trailing)]
    [InlineData(TimestepSpacing.Quadratic)]
    [InlineData(TimestepSpacing.LogSnrUniform)]
    [InlineData(TimestepSpacing.Ddp)]
    public void Create_AllSteps_VisitsEveryTimestep(TimestepSpacing spacing) =>
        Assert.Equal(Enumerable.Range(0, 1000).Reverse(), Timesteps.Create(spacing, 1000, Linear));

    [Fact]
    public void LogSnrUniform_EachStep_IsTheTimestepNearestItsEvenlySpacedLogSnr()
    {
        const int steps = 11;
        var t = Timesteps.Create(TimestepSpacing.LogSnrUniform, steps, Linear);
        double high = Linear.LogSnr(0), low = Linear.LogSnr(999);
        for (int k = 0; k < steps; k++)
        {
            double target = low + (high - low) * k / (steps - 1);
            double error = Math.Abs(Linear.LogSnr(t[k]) - target);
            if (t[k] > 0) Assert.True(error <= Math.Abs(Linear.LogSnr(t[k] - 1) - target));
            if (t[k] < 999) Assert.True(error <= Math.Abs(Linear.LogSnr(t[k] + 1) - target));
        }
        Assert.Equal(999, t[0]);
        Assert.Equal(0, t[^1]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void Create_StepsOutOfRange_ThrowsNamingTheRange(int steps)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Timesteps.Create(TimestepSpacing.Leading, steps, 1000));
        Assert.Contains("between 1 and T = 1000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_LogSnrUniformWithoutSchedule_ThrowsPointingToTheOverload()
    {
        var ex = Assert.Throws<ArgumentException>(() => Timesteps.Create(TimestepSpacing.LogSnrUniform, 10, 1000));
        Assert.Contains("schedule", ex.Message, StringComparison.Ordinal);
    }
}
