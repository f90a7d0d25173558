using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Diffusion;

/// <summary>
/// The EDM formulation against its definitions (Karras et al. 2022, Table 1 and eqs. 2, 5, 8): the preconditioning reads a
/// perfect network as x₀, the F-space loss is λ(σ)·‖D − y‖², the prior is σ_max·n, and Karras' σ's have exact ends.
/// </summary>
public class EdmFormulationTests
{
    private static readonly EdmFormulation Edm = new(new EdmConfig(), EdmConfig.PixelSigmaData);

    [Theory]
    [InlineData(0.002)]
    [InlineData(0.1)]
    [InlineData(1.0)]
    [InlineData(80.0)]
    public void Denoiser_PerfectNetwork_GivesCleanDataAtEverySigma(double sigma)
    {
        // F* = (x₀ − c_skip·x_σ)/c_out is the network that makes D = x₀ exactly; read through the formulation, D must be x₀.
        using var scope = NewDisposeScope();
        using var generator = new Generator(4, CPU);
        var x0 = (rand([3, 1, 4, 4], ScalarType.Float64, generator: generator) * 2 - 1);
        var n = randn([3, 1, 4, 4], ScalarType.Float64, generator: generator);
        var level = Edm.LevelAt(sigma);
        var xSigma = x0 + n * sigma;
        var x = xSigma * Math.Sqrt(level.AlphaBar); // the denoiser takes variance-preserving units
        var (input, time) = Edm.NetworkInputs(x, level);
        Assert.True(input.allclose(xSigma * Edm.In(sigma), rtol: 1e-12, atol: 1e-12));
        Assert.Equal(Math.Log(sigma) / 4, time[0].item<float>(), 6);
        var perfect = (x0 - xSigma * Edm.Skip(sigma)) / Edm.Out(sigma);
        var prediction = Edm.Interpret(perfect, x, level);
        Assert.Equal(PredictionKind.Data, prediction.Kind);
        Assert.True(prediction.Denoised(clip: false).allclose(x0, rtol: 0, atol: 1e-9), $"σ = {sigma}");
        Assert.True(prediction.Noise().allclose(n, rtol: 0, atol: 1e-6 / Math.Min(1, sigma)), $"σ = {sigma}");
    }

    [Fact]
    public void Preconditioning_MatchesTable1()
    {
        const double s = 0.5;
        foreach (double sigma in new[] { 0.002, 0.5, 3, 80 })
        {
            Assert.Equal(s * s / (sigma * sigma + s * s), Edm.Skip(sigma), 15);
            Assert.Equal(sigma * s / Math.Sqrt(sigma * sigma + s * s), Edm.Out(sigma), 15);
            Assert.Equal(1 / Math.Sqrt(sigma * sigma + s * s), Edm.In(sigma), 15);
            // The effective target (y − c_skip·x)/c_out has unit variance at every σ when y has std σ_d and x = y + σn (§5, Appendix B.6).
            double targetVariance = (Math.Pow(1 - Edm.Skip(sigma), 2) * s * s + Math.Pow(Edm.Skip(sigma) * sigma, 2)) / Math.Pow(Edm.Out(sigma), 2);
            Assert.Equal(1, targetVariance, 12);
        }
    }

    [Fact]
    public void TrainingLoss_IsTheWeightedDenoisingError()
    {
        // The loss is computed in F-space; by hand from the same draws (ln σ ~ N(−1.2, 1.2²) [B], then n), λ(σ)·‖D(y + σn; σ) − y‖²
        // with λ = (σ² + σ_d²)/(σσ_d)² must give the same number.
        using var scope = NewDisposeScope();
        using var dataGenerator = new Generator(1, CPU);
        var y = rand([4, 1, 3, 3], generator: dataGenerator) * 2 - 1;
        Func<Tensor, Tensor, Tensor> network = (input, time) => input * 0.3 + time.reshape(-1, 1, 1, 1); // any F, with c_noise reaching it
        using var generator = new Generator(9, CPU);
        var loss = Edm.TrainingLoss(network, y, generator).item<float>();

        using var replay = new Generator(9, CPU);
        var logSigma = randn([4], ScalarType.Float32, generator: replay).to(ScalarType.Float64) * 1.2 - 1.2;
        var n = randn([4, 1, 3, 3], ScalarType.Float32, generator: replay).to(ScalarType.Float64);
        double expected = 0;
        for (int i = 0; i < 4; i++)
        {
            double sigma = Math.Exp(logSigma[i].item<double>());
            var x = y[i].to(ScalarType.Float64) + n[i] * sigma;
            var f = x * Edm.In(sigma) * 0.3 + Math.Log(sigma) / 4;
            var d = x * Edm.Skip(sigma) + f * Edm.Out(sigma);
            double lambda = (sigma * sigma + 0.25) / Math.Pow(sigma * 0.5, 2);
            expected += lambda * (d - y[i].to(ScalarType.Float64)).square().mean().item<double>() / 4;
        }
        Assert.Equal(expected, loss, expected * 1e-5);
    }

    [Fact]
    public void Prior_IsSigmaMaxTimesTheNormalDraw()
    {
        var first = Edm.LevelAt(80);
        // x_σ = 80·n, in variance-preserving units √ᾱ·80·n; a sampler converts back with 1/√ᾱ.
        Assert.Equal(80, Edm.PriorScale(first) / Math.Sqrt(first.AlphaBar), 12);
        Assert.Equal(1, new DdpmFormulation(new GaussianDiffusion(new DiffusionConfig())).PriorScale(default));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(18)]
    public void KarrasSigmas_HaveExactEndsAndFollowEquation5(int steps)
    {
        double[] sigmas = NoiseLevels.KarrasSigmas(steps, 0.002, 80, 7);
        Assert.Equal(steps, sigmas.Length);
        Assert.Equal(80, sigmas[0]);
        if (steps > 1) Assert.Equal(0.002, sigmas[^1]);
        for (int i = 1; i < steps - 1; i++)
        {
            double expected = Math.Pow(Math.Pow(80, 1 / 7.0) + i / (double)(steps - 1) * (Math.Pow(0.002, 1 / 7.0) - Math.Pow(80, 1 / 7.0)), 7);
            Assert.Equal(expected, sigmas[i], 12);
        }
        for (int i = 1; i < steps; i++) Assert.True(sigmas[i] < sigmas[i - 1]);
    }

    [Fact]
    public void KarrasEighteen_MatchesValuesComputedOutsideTheCode()
    {
        // EDM's CIFAR-10 setting (18 steps, ρ = 7, σ 0.002…80); eq. 5 evaluated separately in Python (float64, rounded to 5 places):
        // 80, 57.58598, 40.78557, 28.37458, …, 0.02293, 0.00753, 0.002.
        double[] sigmas = NoiseLevels.KarrasSigmas(18, 0.002, 80, 7);
        Assert.Equal(57.58598, sigmas[1], 5);
        Assert.Equal(40.78557, sigmas[2], 5);
        Assert.Equal(28.37458, sigmas[3], 5);
        Assert.Equal(0.02293, sigmas[15], 5);
        Assert.Equal(0.00753, sigmas[16], 5);
    }

    [Fact]
    public void ContinuousFormulation_RefusesTimestepSpacings()
    {
        var e = Assert.Throws<ArgumentException>(() => NoiseLevels.Create(TimestepSpacing.Leading, 10, Edm));
        Assert.Contains("karras or log-snr", e.Message, StringComparison.Ordinal);
        var logSnr = NoiseLevels.Create(TimestepSpacing.LogSnrUniform, 3, Edm);
        Assert.Equal([80, Math.Sqrt(80 * 0.002), 0.002], logSnr.Select(l => l.Sigma), new ToleranceComparer(1e-12));
        Assert.Equal(TimestepSpacing.Karras, TimestepSpacings.DefaultFor("ddim", Edm));
        Assert.Equal(TimestepSpacing.Leading, TimestepSpacings.DefaultFor("ddim", new DdpmFormulation(new GaussianDiffusion(new DiffusionConfig()))));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance * Math.Max(1, Math.Abs(a));
        public int GetHashCode(double value) => 0;
    }
}
