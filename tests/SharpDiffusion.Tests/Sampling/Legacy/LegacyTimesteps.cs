// Copied from src/SharpDiffusion/Sampling/Timesteps.cs, TimestepSpacings.cs (the rules, by name) and TorchLinspace.cs at
// 8b02e6c as the oracle for issue 22's contract refactor; do not edit. Renamed with a Legacy prefix; spacings are picked
// by their command-line names, which the refactor keeps.
namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>Timestep discretisations. Every result is strictly decreasing within [0, T−1] and has exactly <c>steps</c> entries.</summary>
internal static class LegacyTimesteps
{
    /// <summary>The names of today's spacings: leading, trailing, quadratic, log-snr, ddp.</summary>
    public static IReadOnlyList<string> Names { get; } = ["leading", "trailing", "quadratic", "log-snr", "ddp"];

    /// <summary>Any spacing by name, for the given schedule (T = schedule.Timesteps).</summary>
    public static IReadOnlyList<int> Create(string spacing, int steps, LegacySchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        int T = schedule.Timesteps;
        if (steps < 1 || steps > T)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"The number of sampling steps must be between 1 and T = {T}; got {steps}.");
        return spacing switch
        {
            "leading" => Leading(steps, T),
            "trailing" => Trailing(steps, T),
            "quadratic" => Quadratic(steps, T),
            "log-snr" => LogSnrUniform(steps, schedule),
            "ddp" => Ddp(steps, T),
            _ => throw new ArgumentException($"unknown timestep spacing '{spacing}'", nameof(spacing)),
        };
    }

    /// <summary>Today's default spacing of each sampler (SamplerEntry.DefaultSpacing at 8b02e6c).</summary>
    public static string DefaultFor(string sampler) => sampler is "dpm-solver++" or "unipc" ? "log-snr" : "leading";

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

    internal static int[] LogSnrUniform(int steps, LegacySchedule schedule)
    {
        int T = schedule.Timesteps;
        if (steps == 1) return [T - 1];
        double high = schedule.LogSnr(0), low = schedule.LogSnr(T - 1);
        return Descending(Enumerable.Range(0, steps).Select(k => NearestTimestep(schedule, high + (low - high) * k / (steps - 1))), T);
    }

    /// <summary>
    /// denoising-diffusion-pytorch 2.x <c>GaussianDiffusion.ddim_sample</c>: times = reversed(torch.linspace(−1, T − 1,
    /// steps + 1).int()), visited without the final −1. .int() truncates toward zero.
    /// </summary>
    internal static int[] Ddp(int steps, int T) =>
        Descending(LegacyTorchLinspace.Float32(-1f, T - 1, steps + 1).Skip(1).Select(v => (int)v), T); // (int) truncates toward zero, as .int() does

    /// <summary>The t whose log-SNR is closest to <paramref name="logSnr"/>; log-SNR decreases with t.</summary>
    private static int NearestTimestep(LegacySchedule schedule, double logSnr)
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

/// <summary>torch.linspace in float32 as torch 1.13's CPU kernel computes it (TorchLinspace at 8b02e6c).</summary>
internal static class LegacyTorchLinspace
{
    private const int Lanes = 8;

    public static float[] Float32(float start, float end, int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "linspace needs at least one point.");
        var values = new float[steps];
        if (steps == 1)
        {
            values[0] = start;
            return values;
        }
        float step = (end - start) / (steps - 1);
        int halfway = steps / 2;
        float At(int i) => i < halfway ? MathF.FusedMultiplyAdd(step, i, start) : MathF.FusedMultiplyAdd(-step, steps - i - 1, end);
        int vectorised = steps / (2 * Lanes) * (2 * Lanes); // vectorized_loop takes two vectors per iteration
        for (int index = 0; index < vectorised; index += Lanes)
        {
            float first = At(index);
            for (int k = 0; k < Lanes; k++) values[index + k] = k == 0 ? first : first + k * step;
        }
        for (int index = vectorised; index < steps; index++) values[index] = At(index);
        return values;
    }
}
