using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>Inception Score of one set of class logits: mean and population standard deviation over the splits.</summary>
public readonly record struct InceptionScoreResult(double Mean, double Std, int Splits, long Count);

/// <summary>
/// Inception Score (Salimans et al. 2016, "Improved techniques for training GANs", §4):
/// IS = exp(E_x KL(p(y|x) ‖ p(y))), with p(y) the mean of p(y|x) over the split, as torch-fidelity computes it
/// (metric_isc.py): the rows are first permuted with numpy's <c>RandomState(2020).permutation(N)</c>, then cut into
/// consecutive splits (split i covers rows [i·N/s, (i+1)·N/s) of the permuted order); the result is the mean and the
/// population standard deviation of the split scores. Without a shuffle seed the splits are the rows in their given
/// order, as in the original TensorFlow code.
/// </summary>
public static class InceptionScore
{
    public const int DefaultSplits = 10;

    /// <summary>torch-fidelity's default <c>isc_samples_shuffle_seed</c>.</summary>
    public const uint TorchFidelityShuffleSeed = 2020;

    /// <summary>IS from logits [N, K] (any float dtype; softmax is taken in float64).</summary>
    public static InceptionScoreResult Compute(torch.Tensor logits, int splits = DefaultSplits, uint? shuffleSeed = TorchFidelityShuffleSeed)
    {
        if (splits < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(splits), splits, "The number of Inception Score splits must be at least 1.");
        }

        using var scope = torch.NewDisposeScope();
        var x = FeatureMatrix.ToFloat64(logits, "logits", minRows: splits);
        var n = x.shape[0];
        if (shuffleSeed is uint seed)
        {
            x = x.index_select(0, torch.tensor(NumpyLegacyPermutation.Permutation(seed, checked((int)n)).Select(i => (long)i).ToArray()));
        }

        var logP = torch.nn.functional.log_softmax(x, 1);

        var scores = new double[splits];
        for (var i = 0; i < splits; i++)
        {
            var start = i * n / splits;
            var end = (i + 1) * n / splits;
            var part = logP.narrow(0, start, end - start);
            // log p(y) = log mean_x p(y|x), taken as a logsumexp so that a class no sample predicts gives −∞·0 = 0, not NaN.
            using var logCount = Math.Log(end - start).ToScalar();
            var logMarginal = part.logsumexp(0, keepdim: true) - logCount;
            var klPerSample = (part.exp() * (part - logMarginal)).sum(1);
            scores[i] = Math.Exp(klPerSample.mean().item<double>());
        }

        var mean = scores.Average();
        var std = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / splits);
        return new InceptionScoreResult(mean, std, splits, n);
    }
}
