using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>Inception Score of one set of class logits: mean and population standard deviation over the splits.</summary>
public readonly record struct InceptionScoreResult(double Mean, double Std, int Splits, long Count);

/// <summary>
/// Inception Score (Salimans et al. 2016, "Improved techniques for training GANs", §4):
/// IS = exp(E_x KL(p(y|x) ‖ p(y))), with p(y) the mean of p(y|x) over the split, computed on consecutive splits
/// of the samples as in the original code (split i covers rows [i·N/s, (i+1)·N/s)).
/// </summary>
public static class InceptionScore
{
    public const int DefaultSplits = 10;

    /// <summary>IS from logits [N, K] (any float dtype; softmax is taken in float64).</summary>
    public static InceptionScoreResult Compute(torch.Tensor logits, int splits = DefaultSplits)
    {
        if (splits < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(splits), splits, "The number of Inception Score splits must be at least 1.");
        }

        using var scope = torch.NewDisposeScope();
        var x = FeatureMatrix.ToFloat64(logits, "logits", minRows: splits);
        var n = x.shape[0];
        var logP = torch.nn.functional.log_softmax(x, 1);

        var scores = new double[splits];
        for (var i = 0; i < splits; i++)
        {
            var start = i * n / splits;
            var end = (i + 1) * n / splits;
            var part = logP.narrow(0, start, end - start);
            // log p(y) = log mean_x p(y|x), taken as a logsumexp so that a class no sample predicts gives −∞·0 = 0, not NaN.
            var logMarginal = part.logsumexp(0, keepdim: true) - Math.Log(end - start);
            var klPerSample = (part.exp() * (part - logMarginal)).sum(1);
            scores[i] = Math.Exp(klPerSample.mean().item<double>());
        }

        var mean = scores.Average();
        var std = Math.Sqrt(scores.Sum(s => (s - mean) * (s - mean)) / splits);
        return new InceptionScoreResult(mean, std, splits, n);
    }
}
