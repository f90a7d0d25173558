using SharpDiffusion.Sampling;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>KID: mean and population standard deviation of the per-subset MMD² estimates.</summary>
public readonly record struct KernelInceptionDistanceResult(double Mean, double Std, int Subsets, int SubsetSize);

/// <summary>
/// Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs", §4): the unbiased MMD² estimator
/// (Gretton et al. 2012, eq. 3) with the cubic polynomial kernel k(x, y) = (x·y / d + 1)³, averaged over random
/// subsets drawn without replacement. The subset size is capped by the smaller set (SYSU-Shapes has 1,541 images).
/// </summary>
public static class KernelInceptionDistance
{
    public const int DefaultSubsets = 100;
    public const int DefaultMaxSubsetSize = 1000;

    // held Scalars: see Scaled
    private static readonly Scalar KernelDegree = 3.ToScalar();

    public static KernelInceptionDistanceResult Compute(
        torch.Tensor first,
        torch.Tensor second,
        int subsets = DefaultSubsets,
        int maxSubsetSize = DefaultMaxSubsetSize,
        int seed = 0)
    {
        if (subsets < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(subsets), subsets, "The number of KID subsets must be at least 1.");
        }

        if (maxSubsetSize < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSubsetSize), maxSubsetSize, "The KID subset size must be at least 2.");
        }

        using var scope = torch.NewDisposeScope();
        var x = FeatureMatrix.ToFloat64(first, "first feature set", minRows: 2);
        var y = FeatureMatrix.ToFloat64(second, "second feature set", minRows: 2);
        FeatureMatrix.RequireSameDimension(x, y, "first features", "second features");

        var m = (int)Math.Min(maxSubsetSize, Math.Min(x.shape[0], y.shape[0]));
        var random = new Random(seed);
        var estimates = new double[subsets];
        for (var s = 0; s < subsets; s++)
        {
            using var subsetScope = torch.NewDisposeScope();
            var xs = x.index_select(0, SampleWithoutReplacement(random, (int)x.shape[0], m));
            var ys = y.index_select(0, SampleWithoutReplacement(random, (int)y.shape[0], m));
            estimates[s] = UnbiasedMmdSquared(xs, ys);
        }

        var mean = estimates.Average();
        var std = Math.Sqrt(estimates.Sum(e => (e - mean) * (e - mean)) / subsets);
        return new KernelInceptionDistanceResult(mean, std, subsets, m);
    }

    /// <summary>
    /// MMD²_u = Σ_{i≠j} k(xᵢ,xⱼ)/(m(m−1)) + Σ_{i≠j} k(yᵢ,yⱼ)/(m(m−1)) − 2 Σ_{i,j} k(xᵢ,yⱼ)/m² for two m-row sets.
    /// </summary>
    internal static double UnbiasedMmdSquared(torch.Tensor x, torch.Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        var m = (double)x.shape[0];
        var kxx = Kernel(x, x);
        var kyy = Kernel(y, y);
        var kxy = Kernel(x, y);
        var offDiagonalXx = kxx.sum().item<double>() - kxx.diagonal().sum().item<double>();
        var offDiagonalYy = kyy.sum().item<double>() - kyy.diagonal().sum().item<double>();
        return ((offDiagonalXx + offDiagonalYy) / (m * (m - 1))) - (2.0 * kxy.sum().item<double>() / (m * m));
    }

    private static torch.Tensor Kernel(torch.Tensor a, torch.Tensor b)
    {
        using var dimension = a.shape[1].ToScalar();
        return (a.matmul(b.t()) / dimension).Plus(Scaled.One).pow(KernelDegree);
    }

    /// <summary>A partial Fisher–Yates shuffle: <paramref name="count"/> distinct indices of [0, n).</summary>
    private static torch.Tensor SampleWithoutReplacement(Random random, int n, int count)
    {
        var pool = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = random.Next(i, n);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }

        return torch.tensor(pool.AsSpan(0, count).ToArray(), torch.int64);
    }
}
