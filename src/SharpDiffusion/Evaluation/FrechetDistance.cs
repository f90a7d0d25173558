using SharpDiffusion.Sampling;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Fréchet distance between two Gaussians fitted to features (Heusel et al. 2017, "GANs trained by a two time-scale
/// update rule…", eq. 6; Dowson &amp; Landau 1982):
/// FD = ‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr (Σ₁Σ₂)^{1/2}.
/// With Inception pool3 features this is FID; with ResNet-18 features it is reported as "FD-ResNet18".
/// </summary>
public static class FrechetDistance
{
    // held Scalars: see Scaled
    private static readonly Scalar Two = 2.ToScalar();
    private static readonly Scalar Half = 0.5.ToScalar();
    private static readonly Scalar Zero = 0.0.ToScalar();

    /// <summary>FD between two sets of statistics, which must come from the same extractor.</summary>
    public static double Compute(FeatureStatistics first, FeatureStatistics second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (!string.Equals(first.Extractor, second.Extractor, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Statistics from extractor '{first.Extractor}' cannot be compared with statistics from '{second.Extractor}'; compute both with the same extractor.");
        }

        if (first.Dimension != second.Dimension)
        {
            throw new ArgumentException($"The statistics have {first.Dimension} and {second.Dimension} dimensions; compute both with the same extractor.");
        }

        using var scope = torch.NewDisposeScope();
        return Compute(first.MeanTensor(), first.CovarianceTensor(), second.MeanTensor(), second.CovarianceTensor());
    }

    /// <summary>FD from means [D] and symmetric positive semi-definite covariances [D, D], in float64.</summary>
    public static double Compute(torch.Tensor mean1, torch.Tensor covariance1, torch.Tensor mean2, torch.Tensor covariance2)
    {
        ArgumentNullException.ThrowIfNull(mean1);
        ArgumentNullException.ThrowIfNull(covariance1);
        ArgumentNullException.ThrowIfNull(mean2);
        ArgumentNullException.ThrowIfNull(covariance2);
        using var scope = torch.NewDisposeScope();
        var mu1 = mean1.to(torch.float64, torch.CPU);
        var mu2 = mean2.to(torch.float64, torch.CPU);
        var sigma1 = covariance1.to(torch.float64, torch.CPU);
        var sigma2 = covariance2.to(torch.float64, torch.CPU);

        var meanTerm = (mu1 - mu2).pow(Two).sum().item<double>();
        var traces = sigma1.trace().item<double>() + sigma2.trace().item<double>();
        return meanTerm + traces - 2.0 * TraceOfSqrtProduct(sigma1, sigma2);
    }

    /// <summary>
    /// Tr (Σ₁Σ₂)^{1/2} without a general matrix square root: Σ₁Σ₂ is similar to the symmetric
    /// Σ₁^{1/2} Σ₂ Σ₁^{1/2} (both PSD), so its square root's trace is Σᵢ √λᵢ of that symmetric matrix.
    /// Two symmetric eigendecompositions replace scipy's Schur-based sqrtm and cannot produce complex parts;
    /// eigenvalues that rounding pushes below zero are clamped to zero.
    /// </summary>
    internal static double TraceOfSqrtProduct(torch.Tensor sigma1, torch.Tensor sigma2)
    {
        using var scope = torch.NewDisposeScope();
        var symmetric1 = sigma1.Plus(sigma1.t()).mul(Half);
        var (eigenvalues1, eigenvectors1) = torch.linalg.eigh(symmetric1);
        var sqrtSigma1 = (eigenvectors1 * eigenvalues1.clamp_min(Zero).sqrt().unsqueeze(0)).matmul(eigenvectors1.t());
        var inner = sqrtSigma1.matmul(sigma2).matmul(sqrtSigma1);
        var eigenvalues = torch.linalg.eigvalsh(inner.Plus(inner.t()).mul(Half));
        return eigenvalues.clamp_min(Zero).sqrt().sum().item<double>();
    }
}
