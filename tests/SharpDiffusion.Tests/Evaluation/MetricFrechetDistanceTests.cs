using SharpDiffusion.Evaluation;
using TorchSharp;

namespace SharpDiffusion.Tests.Evaluation;

public class MetricFrechetDistanceTests
{
    [Theory]
    [InlineData(4, 1)]
    [InlineData(16, 2)]
    [InlineData(32, 3)]
    public void Compute_RandomSpdCovariances_MatchesDenmanBeaversSqrtm(int dim, int seed)
    {
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator((ulong)seed);
        var mu1 = torch.randn([dim], torch.float64, generator: generator);
        var mu2 = torch.randn([dim], torch.float64, generator: generator);
        var sigma1 = RandomSpd(dim, generator);
        var sigma2 = RandomSpd(dim, generator);

        var actual = FrechetDistance.Compute(mu1, sigma1, mu2, sigma2);

        // Reference: the formula as pytorch-fid writes it, with sqrtm(Σ1Σ2) from the Denman–Beavers iteration
        // (a different algorithm from the eigendecompositions under test).
        var sqrtProduct = DenmanBeaversSqrt(sigma1.matmul(sigma2));
        var expected = (mu1 - mu2).pow(2).sum().item<double>()
            + sigma1.trace().item<double>() + sigma2.trace().item<double>()
            - (2.0 * sqrtProduct.trace().item<double>());
        Assert.Equal(expected, actual, Math.Abs(expected) * 1e-6);
    }

    [Fact]
    public void Compute_SameStatistics_IsZero()
    {
        using var scope = torch.NewDisposeScope();
        var generator = new torch.Generator(7);
        var mu = torch.randn([24], torch.float64, generator: generator);
        var sigma = RandomSpd(24, generator);

        var fd = FrechetDistance.Compute(mu, sigma, mu, sigma);

        Assert.Equal(0.0, fd, 1e-9 * sigma.trace().item<double>());
    }

    [Fact]
    public void Compute_OneDimensionalGaussians_IsMeanGapSquaredPlusStdGapSquared()
    {
        // N(1, 2²) vs N(4, 0.5²): FD = (1 − 4)² + (2 − 0.5)² = 9 + 2.25.
        using var scope = torch.NewDisposeScope();
        var fd = FrechetDistance.Compute(
            torch.tensor(1.0).reshape(1), torch.tensor(4.0).reshape(1, 1),
            torch.tensor(4.0).reshape(1), torch.tensor(0.25).reshape(1, 1));

        Assert.Equal(11.25, fd, 1e-12);
    }

    [Fact]
    public void Compute_DiagonalGaussians_IsSumOfMeanAndStdGapsSquared()
    {
        double[] m1 = [0.0, 1.0, -2.0];
        double[] m2 = [0.5, 1.0, 2.0];
        double[] s1 = [1.0, 3.0, 0.1];
        double[] s2 = [2.0, 1.0, 0.1];
        using var scope = torch.NewDisposeScope();

        var fd = FrechetDistance.Compute(
            torch.tensor(m1), torch.diag(torch.tensor(s1).pow(2)),
            torch.tensor(m2), torch.diag(torch.tensor(s2).pow(2)));

        var expected = m1.Zip(m2, (a, b) => (a - b) * (a - b)).Sum() + s1.Zip(s2, (a, b) => (a - b) * (a - b)).Sum();
        Assert.Equal(expected, fd, 1e-12);
    }

    [Fact]
    public void Compute_StatisticsFromDifferentExtractors_Throws()
    {
        var a = new FeatureStatistics("resnet18", 10, [0.0], new double[,] { { 1.0 } });
        var b = new FeatureStatistics("inception", 10, [0.0], new double[,] { { 1.0 } });

        var error = Assert.Throws<ArgumentException>(() => FrechetDistance.Compute(a, b));
        Assert.Contains("same extractor", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_FromStatistics_EqualsTensorForm()
    {
        var a = new FeatureStatistics("resnet18", 10, [0.0, 1.0], new double[,] { { 2.0, 0.5 }, { 0.5, 1.0 } });
        var b = new FeatureStatistics("resnet18", 10, [1.0, 1.0], new double[,] { { 1.0, 0.0 }, { 0.0, 1.0 } });
        using var scope = torch.NewDisposeScope();

        Assert.Equal(
            FrechetDistance.Compute(a.MeanTensor(), a.CovarianceTensor(), b.MeanTensor(), b.CovarianceTensor()),
            FrechetDistance.Compute(a, b),
            1e-15);
    }

    private static torch.Tensor RandomSpd(int dim, torch.Generator generator)
    {
        var g = torch.randn([dim, 2 * dim], torch.float64, generator: generator);
        return (g.matmul(g.t()) / (2 * dim)) + (0.01 * torch.eye(dim, dtype: torch.float64));
    }

    /// <summary>Denman &amp; Beavers (1976): Y₀ = A, Z₀ = I; Y ← (Y + Z⁻¹)/2, Z ← (Z + Y⁻¹)/2 converges to A^{1/2}.</summary>
    private static torch.Tensor DenmanBeaversSqrt(torch.Tensor a)
    {
        var y = a;
        var z = torch.eye(a.shape[0], dtype: torch.float64);
        for (var i = 0; i < 100; i++)
        {
            var nextY = 0.5 * (y + torch.linalg.inv(z));
            var nextZ = 0.5 * (z + torch.linalg.inv(y));
            var change = (nextY - y).abs().max().item<double>();
            (y, z) = (nextY, nextZ);
            if (change < 1e-14 * y.abs().max().item<double>())
            {
                break;
            }
        }

        return y;
    }
}
