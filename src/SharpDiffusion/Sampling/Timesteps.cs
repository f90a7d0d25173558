using SharpDiffusion.Diffusion;

namespace SharpDiffusion.Sampling;

/// <summary>Timestep discretisations, separate from the solvers. Every result is strictly decreasing within [0, T−1] and has exactly <c>steps</c> entries.</summary>
public static class Timesteps
{
    /// <summary>
    /// Spacings that need only T. <see cref="TimestepSpacing.LogSnrUniform"/> depends on the noise schedule:
    /// use <see cref="Create(TimestepSpacing, int, NoiseSchedule)"/> for it.
    /// </summary>
    public static IReadOnlyList<int> Create(TimestepSpacing spacing, int steps, int T)
    {
        if (T < 1) throw new ArgumentOutOfRangeException(nameof(T), T, "The number of training timesteps T must be at least 1.");
        var entry = TimestepSpacings.Of(spacing);
        if (entry.NeedsSchedule)
            throw new ArgumentException($"The {entry.Name} spacing depends on the noise schedule; call Timesteps.Create(spacing, steps, schedule) instead.", nameof(spacing));
        CheckSteps(steps, T);
        return Rule(entry)(steps, T, null);
    }

    /// <summary>Any spacing, for the given schedule (T = schedule.Timesteps).</summary>
    public static IReadOnlyList<int> Create(TimestepSpacing spacing, int steps, NoiseSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        CheckSteps(steps, schedule.Timesteps);
        return Rule(TimestepSpacings.Of(spacing))(steps, schedule.Timesteps, schedule);
    }

    private static Func<int, int, NoiseSchedule?, int[]> Rule(SpacingEntry entry) => entry.Timesteps
        ?? throw new ArgumentException($"The {entry.Name} spacing lays σ's, not timesteps; use NoiseLevels.Create.", nameof(entry));

    internal static void CheckStepsWithin(int steps, int T) => CheckSteps(steps, T);

    private static void CheckSteps(int steps, int T)
    {
        if (steps < 1 || steps > T)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"The number of sampling steps must be between 1 and T = {T}; got {steps}.");
    }

    internal static int[] Leading(int steps, int T)
    {
        int stride = T / steps;
        return Descending(Enumerable.Range(0, steps).Select(k => k * stride), T);
    }

    internal static int[] Trailing(int steps, int T)
    {
        double stride = T / (double)steps;
        return Descending(Enumerable.Range(0, steps).Select(k => (int)Math.Round(T - k * stride, MidpointRounding.AwayFromZero) - 1), T);
    }

    internal static int[] Quadratic(int steps, int T)
    {
        if (steps == 1) return [T - 1];
        return Descending(Enumerable.Range(0, steps).Select(k => (int)Math.Round(Math.Pow(k / (double)(steps - 1), 2) * (T - 1))), T);
    }

    internal static int[] LogSnrUniform(int steps, NoiseSchedule schedule)
    {
        int T = schedule.Timesteps;
        if (steps == 1) return [T - 1];
        double high = schedule.LogSnr(0), low = schedule.LogSnr(T - 1);
        return Descending(Enumerable.Range(0, steps).Select(k => NearestTimestep(schedule, high + (low - high) * k / (steps - 1))), T);
    }

    /// <summary>
    /// denoising-diffusion-pytorch 2.x <c>GaussianDiffusion.ddim_sample</c>: times = reversed(torch.linspace(−1, T − 1,
    /// steps + 1).int()), visited without the final −1 (its step to −1 returns x̂₀). .int() truncates toward zero, and the
    /// float32 linspace (<see cref="TorchLinspace"/>) puts some exact integers just below themselves: T = 1000, n = 36
    /// visits 748 where exact arithmetic gives 749. n = 50: 999, 979, …, 19.
    /// </summary>
    internal static int[] Ddp(int steps, int T) =>
        Descending(TorchLinspace.Float32(-1f, T - 1, steps + 1).Skip(1).Select(v => (int)v), T); // (int) truncates toward zero, as .int() does

    /// <summary>The t whose log-SNR is closest to <paramref name="logSnr"/>; log-SNR decreases with t.</summary>
    private static int NearestTimestep(NoiseSchedule schedule, double logSnr)
    {
        int lo = 0, hi = schedule.Timesteps - 1;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (schedule.LogSnr(mid) >= logSnr) lo = mid; else hi = mid;
        }
        return Math.Abs(schedule.LogSnr(lo) - logSnr) <= Math.Abs(schedule.LogSnr(hi) - logSnr) ? lo : hi;
    }

    /// <summary>
    /// Sorts ascending, makes the list strictly increasing within [0, T−1] by moving colliding entries the least
    /// possible (up from the bottom, then down from the top), and returns it in descending order.
    /// </summary>
    private static int[] Descending(IEnumerable<int> candidates, int T)
    {
        var t = candidates.Order().ToArray();
        for (int k = 0; k < t.Length; k++) t[k] = Math.Max(t[k], k == 0 ? 0 : t[k - 1] + 1);
        for (int k = t.Length - 1; k >= 0; k--) t[k] = Math.Min(t[k], k == t.Length - 1 ? T - 1 : t[k + 1] - 1);
        Array.Reverse(t);
        return t;
    }
}
