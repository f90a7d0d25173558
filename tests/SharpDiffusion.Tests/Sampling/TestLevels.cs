using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Sampling;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>Noise levels of a DDPM table, for tests that pick timesteps (the samplers take <see cref="NoiseLevel"/>s).</summary>
internal static class TestLevels
{
    /// <summary>The table levels of <paramref name="timesteps"/> on <paramref name="schedule"/>.</summary>
    public static IReadOnlyList<NoiseLevel> Of(NoiseSchedule schedule, IEnumerable<int> timesteps) => new NoiseLevelTable(schedule).Levels(timesteps);

    /// <summary>The levels a spacing lays over <paramref name="schedule"/>'s table (Karras: between entries).</summary>
    public static IReadOnlyList<NoiseLevel> Of(TimestepSpacing spacing, int steps, NoiseSchedule schedule) =>
        NoiseLevels.Create(spacing, steps, new DdpmFormulation(new GaussianDiffusion(schedule, Objective.Eps)));
}
