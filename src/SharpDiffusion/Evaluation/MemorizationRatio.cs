using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// The papers' memorisation test on one generated set: the share of samples whose nearest/second-nearest ratio is below
/// <see cref="MemorizationRatio.Threshold"/>, with a percentile-bootstrap 95% interval.
/// </summary>
/// <param name="Share">Share of generated samples with ratio &lt; 1/3.</param>
/// <param name="Low">2.5% quantile of the bootstrap shares.</param>
/// <param name="High">97.5% quantile of the bootstrap shares.</param>
/// <param name="MedianRatio">Median ratio over the samples (how close the set comes to copying even when none is flagged).</param>
/// <param name="Resamples">Bootstrap resamples.</param>
/// <param name="Seed">Seed of the bootstrap's random source.</param>
/// <param name="Ratios">One ratio per generated sample, in generated order.</param>
public sealed record MemorizationRatioResult(double Share, double Low, double High, double MedianRatio, int Resamples, int Seed, IReadOnlyList<double> Ratios);

/// <summary>
/// Memorisation as the diffusion papers report it (Yoon et al. 2023, "Diffusion probabilistic models generalize when they
/// fail to memorize"; Gu et al. 2023, "On memorization in diffusion models", sail-sg/DiffMemorize): a generated image x is
/// memorised when ‖x − NN₁(x)‖₂ / ‖x − NN₂(x)‖₂ &lt; 1/3, NN₁ and NN₂ its nearest and second-nearest training images in
/// pixel space. A sample equal to a training image has ratio 0 (the ratio is defined as 0 whenever its numerator is 0,
/// also when two training images coincide with it). No threshold is calibrated: the ratio is scale-free.
/// </summary>
public static class MemorizationRatio
{
    /// <summary>The papers' cut: the nearest training image at least three times closer than the second-nearest.</summary>
    public const double Threshold = 1.0 / 3.0;

    /// <summary>Bootstrap resamples of the interval.</summary>
    public const int DefaultResamples = 1000;

    /// <summary>
    /// <paramref name="generated"/> [N, D] and <paramref name="training"/> [M, D] in the same space (pixels:
    /// <see cref="Memorization.PixelVectors"/>); M ≥ 2. The bootstrap draws N samples with replacement
    /// <paramref name="resamples"/> times from <c>System.Random(seed)</c>.
    /// </summary>
    public static MemorizationRatioResult Compute(torch.Tensor generated, torch.Tensor training, int seed, int resamples = DefaultResamples)
    {
        if (resamples < 1) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "The bootstrap needs at least one resample.");

        using var scope = torch.NewDisposeScope();
        var (g, t) = Memorization.GeneratedAndTraining(generated, training, "The nearest/second-nearest memorisation test");
        var (first, second) = PairwiseDistances.TwoNearest(g, t);
        var ratios = new double[first.Length];
        for (var i = 0; i < ratios.Length; i++) ratios[i] = first[i] == 0 ? 0 : first[i] / second[i];

        var memorised = ratios.Select(r => r < Threshold).ToArray();
        var share = memorised.Count(m => m) / (double)memorised.Length;
        var (low, high) = BootstrapInterval(memorised, resamples, seed);
        return new MemorizationRatioResult(share, low, high, Memorization.LinearQuantile(ratios, 0.5), resamples, seed, ratios);
    }

    /// <summary>Percentile bootstrap 95% interval of the share of true flags: the 2.5% and 97.5% quantiles of the resampled shares.</summary>
    public static (double Low, double High) BootstrapInterval(IReadOnlyList<bool> flags, int resamples, int seed)
    {
        ArgumentNullException.ThrowIfNull(flags);
        if (flags.Count == 0) throw new ArgumentException("The bootstrap needs at least one sample.", nameof(flags));
        var random = new Random(seed);
        var shares = new double[resamples];
        for (var b = 0; b < resamples; b++)
        {
            var hits = 0;
            for (var i = 0; i < flags.Count; i++)
                if (flags[random.Next(flags.Count)]) hits++;
            shares[b] = hits / (double)flags.Count;
        }

        return (Memorization.LinearQuantile(shares, 0.025), Memorization.LinearQuantile(shares, 0.975));
    }
}
