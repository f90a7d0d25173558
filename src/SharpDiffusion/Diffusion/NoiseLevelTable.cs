namespace SharpDiffusion.Diffusion;

/// <summary>
/// A DDPM schedule's T noise levels, σ_t increasing with t, and the map between σ and fractional time used where a sampler
/// asks for a level between table entries (Karras σ's, churn): for σ_j ≤ σ ≤ σ_{j+1}, t = j + (ln σ − ln σ_j)/(ln σ_{j+1} −
/// ln σ_j) (k-diffusion's <c>DiscreteSchedule.sigma_to_t</c>), clamped to [0, T − 1] outside the table. A σ equal to a table
/// entry gets that entry, with its ᾱ carried.
/// </summary>
public sealed class NoiseLevelTable
{
    private readonly NoiseLevel[] levels;
    private readonly double[] sigmas;
    private readonly double[] logSigmas;

    public NoiseLevelTable(NoiseSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        Schedule = schedule;
        levels = [.. schedule.AlphasCumprod.Select(alphaBar => NoiseLevel.FromAlphaBar(alphaBar))];
        sigmas = [.. levels.Select(l => l.Sigma)];
        logSigmas = [.. sigmas.Select(s => Math.Log(s))];
        for (int t = 1; t < levels.Length; t++)
            if (!(levels[t].Sigma > levels[t - 1].Sigma))
                throw new ArgumentException($"The noise schedule's σ must increase with t, but σ_{t} = {levels[t].Sigma} ≤ σ_{t - 1} = {levels[t - 1].Sigma}.", nameof(schedule));
    }

    public NoiseSchedule Schedule { get; }

    /// <summary>T, the number of table entries.</summary>
    public int Count => levels.Length;

    /// <summary>Level t, t ∈ [0, T − 1]; t = −1 is <see cref="NoiseLevel.Clean"/>.</summary>
    public NoiseLevel this[int t] => t == -1 ? NoiseLevel.Clean
        : t >= 0 && t < levels.Length ? levels[t]
        : throw new ArgumentOutOfRangeException(nameof(t), t, $"Timestep must lie in [-1, {levels.Length - 1}].");

    public double SigmaMin => levels[0].Sigma;

    public double SigmaMax => levels[^1].Sigma;

    /// <summary>The levels of integer timesteps, in the order given.</summary>
    public IReadOnlyList<NoiseLevel> Levels(IEnumerable<int> timesteps) => [.. timesteps.Select(t => this[t])];

    /// <summary>Whether <paramref name="level"/> is table entry t exactly (its σ and its own ᾱ).</summary>
    public bool Holds(NoiseLevel level, out int t)
    {
        t = Array.BinarySearch(sigmas, level.Sigma);
        return t >= 0 && levels[t].AlphaBar == level.AlphaBar;
    }

    /// <summary>The level of σ: a table entry where σ is one (its ᾱ carried), otherwise ᾱ = 1/(1+σ²).</summary>
    public NoiseLevel LevelAt(double sigma)
    {
        if (!(sigma > 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "A noise level σ must be finite and > 0.");
        int j = Array.BinarySearch(sigmas, sigma);
        return j >= 0 ? levels[j] : NoiseLevel.FromSigma(sigma);
    }

    /// <summary>The fractional time of σ by log-σ interpolation, clamped to [0, T − 1].</summary>
    public double TimeOf(double sigma)
    {
        double log = Math.Log(sigma);
        if (log <= logSigmas[0]) return 0;
        if (log >= logSigmas[^1]) return levels.Length - 1;
        int lo = 0, hi = levels.Length - 1;
        while (hi - lo > 1)
        {
            int mid = (lo + hi) / 2;
            if (logSigmas[mid] <= log) lo = mid; else hi = mid;
        }
        return lo + (log - logSigmas[lo]) / (logSigmas[hi] - logSigmas[lo]);
    }
}
