using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// The distribution of <see cref="MemorizationNormalizedDistance"/>'s ℓ over one generated set: its low quantiles (a
/// set that copies shows up in the lower tail first) and median, with the n and α it was computed with.
/// </summary>
/// <param name="Minimum">Smallest ℓ (0 when some sample is an exact training image).</param>
/// <param name="Percentile1">1% quantile of ℓ (linear interpolation, NumPy's default).</param>
/// <param name="Percentile5">5% quantile of ℓ.</param>
/// <param name="Median">Median ℓ.</param>
/// <param name="Neighbors">n actually used: the paper's 50, or every training image when there are fewer.</param>
/// <param name="Alpha">α of the denominator.</param>
/// <param name="Distances">One ℓ per generated sample, in generated order.</param>
public sealed record MemorizationNormalizedDistanceResult(double Minimum, double Percentile1, double Percentile5, double Median, int Neighbors, double Alpha, IReadOnlyList<double> Distances);

/// <summary>
/// Carlini et al. 2023 ("Extracting Training Data from Diffusion Models", USENIX Security, §5.1, CIFAR-10): for a
/// generated image x̂ with nearest training image x₁ and S the set of its n nearest training images (x₁ among them),
///   ℓ(x̂) = ‖x̂ − x₁‖₂ / (α · mean over y ∈ S of ‖x̂ − y‖₂),  n = 50, α = 0.5,
/// in pixel space. ℓ is small when one training image is far closer than the neighbourhood the sample sits in, which
/// is what a copy looks like; it is 0 for an exact copy (defined as 0 whenever the numerator is 0). No cut is applied
/// here: the distribution's lower tail and median are reported per checkpoint.
/// </summary>
public static class MemorizationNormalizedDistance
{
    /// <summary>The paper's n: neighbours averaged in the denominator.</summary>
    public const int PaperNeighbors = 50;

    /// <summary>The paper's α.</summary>
    public const double PaperAlpha = 0.5;

    /// <summary>
    /// <paramref name="generated"/> [N, D] and <paramref name="training"/> [M, D] in the same space (pixels:
    /// <see cref="Memorization.PixelVectors"/>); M ≥ 2. With M &lt; <paramref name="neighbors"/>, all M training images
    /// form S and <see cref="MemorizationNormalizedDistanceResult.Neighbors"/> records M.
    /// </summary>
    public static MemorizationNormalizedDistanceResult Compute(torch.Tensor generated, torch.Tensor training, int neighbors = PaperNeighbors, double alpha = PaperAlpha)
    {
        if (neighbors < 1) throw new ArgumentOutOfRangeException(nameof(neighbors), neighbors, "The neighbourhood needs at least one training image.");
        if (!(alpha > 0) || double.IsInfinity(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be a positive finite number.");

        using var scope = torch.NewDisposeScope();
        var (g, t) = Memorization.GeneratedAndTraining(generated, training, "Carlini et al.'s normalised nearest-neighbour distance");
        var used = (int)Math.Min(neighbors, t.shape[0]);
        var (nearest, meanOfNeighbors) = PairwiseDistances.NearestAndMeanOfK(g, t, used);
        var distances = new double[nearest.Length];
        for (var i = 0; i < distances.Length; i++) distances[i] = nearest[i] == 0 ? 0 : nearest[i] / (alpha * meanOfNeighbors[i]);

        return new MemorizationNormalizedDistanceResult(
            Memorization.LinearQuantile(distances, 0.0), Memorization.LinearQuantile(distances, 0.01), Memorization.LinearQuantile(distances, 0.05),
            Memorization.LinearQuantile(distances, 0.5), used, alpha, distances);
    }
}
