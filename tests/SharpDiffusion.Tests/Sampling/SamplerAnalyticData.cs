using SharpDiffusion.Diffusion;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>
/// A one-dimensional Gaussian mixture Σ_k π_k N(μ_k, s_k²) as data, and its exact ε-predictor. Under the forward process
/// component k becomes N(√ᾱ μ_k, v_k) with v_k = ᾱ s_k² + 1 − ᾱ, and E[ε | x_t] = Σ_k r_k(x_t) √(1−ᾱ)(x_t − √ᾱ μ_k)/v_k
/// with r_k the posterior component responsibilities. With one component this is the Gaussian case of the brief.
/// </summary>
public sealed record SamplerAnalyticData(double[] Weights, double[] Means, double[] Stds)
{
    public static SamplerAnalyticData Gaussian(double mean, double std) => new([1.0], [mean], [std]);

    /// <summary>
    /// Two modes with unequal weights inside [−1, 1], separated enough that the threshold <see cref="ModeThreshold"/>
    /// misassigns under 1e-4 of the mass (4.5 and 3.75 standard deviations away).
    /// </summary>
    public static SamplerAnalyticData TwoModes { get; } = new([0.3, 0.7], [-0.5, 0.4], [0.1, 0.12]);

    public const double ModeThreshold = -0.05;

    public double Mean => Weights.Zip(Means, (w, m) => w * m).Sum();

    public double Std => Math.Sqrt(Enumerable.Range(0, Weights.Length).Sum(k => Weights[k] * (Stds[k] * Stds[k] + Means[k] * Means[k])) - Mean * Mean);

    /// <summary>Fourth central moment, for the standard error of a sample standard deviation.</summary>
    public double FourthCentralMoment => Enumerable.Range(0, Weights.Length).Sum(k =>
    {
        double d = Means[k] - Mean, v = Stds[k] * Stds[k];
        return Weights[k] * (d * d * d * d + 6 * d * d * v + 3 * v * v);
    });

    /// <summary>Standard error of the sample mean of n draws.</summary>
    public double MeanStandardError(int n) => Std / Math.Sqrt(n);

    /// <summary>Standard error of the sample standard deviation of n draws (delta method: √(μ₄ − σ⁴) / (2σ√n)).</summary>
    public double StdStandardError(int n) => Math.Sqrt(FourthCentralMoment - Math.Pow(Std, 4)) / (2 * Std * Math.Sqrt(n));

    /// <summary>The exact E[ε | x_t] at the level's ᾱ, computed in float64 and returned in x_t's dtype.</summary>
    public Denoiser Denoiser() => (xt, level) =>
    {
        using var scope = NewDisposeScope();
        var x = xt.to(ScalarType.Float64);
        double alphaBar = level.AlphaBar;
        var logDensities = new List<Tensor>();
        var conditionalEps = new List<Tensor>();
        for (int k = 0; k < Weights.Length; k++)
        {
            double variance = alphaBar * (Stds[k] * Stds[k]) + (1 - alphaBar);
            var centred = x - Math.Sqrt(alphaBar) * Means[k];
            logDensities.Add(Math.Log(Weights[k]) - 0.5 * Math.Log(variance) - centred.square() / (2 * variance));
            conditionalEps.Add(centred * (Math.Sqrt(1 - alphaBar) / variance));
        }
        var responsibilities = stack(logDensities).softmax(0);
        var eps = (responsibilities * stack(conditionalEps)).sum(0L);
        return new Prediction(PredictionKind.Noise, eps.to(xt.dtype).MoveToOuterDisposeScope(), xt, level);
    };

    /// <summary>Draws n data points x_0 [n, 1] from the mixture (for forward-process checks).</summary>
    public Tensor Draw(int n, Generator generator)
    {
        using var scope = NewDisposeScope();
        var u = rand([n, 1], ScalarType.Float64, generator: generator);
        var z = randn([n, 1], ScalarType.Float64, generator: generator);
        var x = zeros([n, 1], ScalarType.Float64);
        double cumulative = 0;
        for (int k = 0; k < Weights.Length; k++)
        {
            var inComponent = (u >= cumulative).logical_and(u < cumulative + Weights[k]);
            x = where(inComponent, z * Stds[k] + Means[k], x);
            cumulative += Weights[k];
        }
        return x.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }
}
