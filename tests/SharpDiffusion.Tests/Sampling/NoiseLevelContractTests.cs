using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Sampling;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

/// <summary>
/// The noise-level contract's known answers: a DDPM table's σ ↔ t map, DDIM η = 0 as Euler in σ, and Euler/Heun's orders on
/// EDM's σ range with the closed-form Gaussian denoiser D*(x; σ) = (s²x + σ²μ)/(s² + σ²).
/// </summary>
public class NoiseLevelContractTests(ITestOutputHelper output)
{
    private static readonly NoiseSchedule Linear = NoiseSchedule.Create(new DiffusionConfig());
    private static readonly NoiseLevelTable Table = new(Linear);

    [Fact]
    public void Table_SigmaOfEachEntry_MapsBackToItsTimestepAndCarriesItsAlphaBar()
    {
        for (int t = 0; t < Table.Count; t += 37)
        {
            var level = Table[t];
            Assert.Equal(Math.Sqrt((1 - Linear.AlphasCumprod[t]) / Linear.AlphasCumprod[t]), level.Sigma, 15);
            Assert.Equal(t, Table.TimeOf(level.Sigma));
            Assert.Equal(Linear.AlphasCumprod[t], Table.LevelAt(level.Sigma).AlphaBar); // exactly: carried, not 1/(1+σ²)
            Assert.True(Table.Holds(Table.LevelAt(level.Sigma), out int held) && held == t);
        }
    }

    [Fact]
    public void Table_BetweenEntries_InterpolatesTimeInLogSigmaAndClampsOutside()
    {
        double low = Table[400].Sigma, high = Table[401].Sigma;
        double middle = Math.Sqrt(low * high); // halfway in log σ
        Assert.Equal(400.5, Table.TimeOf(middle), 12);
        var level = Table.LevelAt(middle);
        Assert.Equal(1 / (1 + middle * middle), level.AlphaBar, 15);
        Assert.False(Table.Holds(level, out _));
        Assert.Equal(0, Table.TimeOf(Table.SigmaMin / 2));
        Assert.Equal(Table.Count - 1, Table.TimeOf(Table.SigmaMax * 2));
    }

    [Fact]
    public void DdpmKarras_StartsAndEndsOnTheTable()
    {
        var levels = NoiseLevels.Create(TimestepSpacing.Karras, 12, new DdpmFormulation(new GaussianDiffusion(new DiffusionConfig())));
        Assert.Equal(Table[999], levels[0]);
        Assert.Equal(Table[0], levels[^1]);
        Assert.All(levels.Skip(1).SkipLast(1), l => Assert.False(Table.Holds(l, out _)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Euler_OnTableLevels_EqualsDeterministicDdim(bool clip)
    {
        // Dividing DDIM's x_{t'} = √ᾱ'·x̂₀ + √(1−ᾱ')·ε̂ by √ᾱ' gives x_σ' = x_σ + (σ' − σ)(x_σ − x̂₀)/σ: Euler in σ, with DDIM's
        // ε̂ re-derived from the clipped x̂₀ being Euler's slope from the clipped D (docs/noise-levels).
        var data = SamplerAnalyticData.Gaussian(0.6, 0.5);
        var levels = TestLevels.Of(TimestepSpacing.Leading, 20, Linear);
        using var scope = NewDisposeScope();
        var xT = new SampleNoise(3, 0, 64, CPU).Next([1]).to(ScalarType.Float64);
        var ddim = new DdimSampler(eta: 0, clip).Sample(data.Denoiser(), xT, levels, new SampleNoise(3, 0, 64, CPU));
        var euler = new EulerSampler(heun: false, Churn.None, clip).Sample(data.Denoiser(), xT, levels, new SampleNoise(3, 0, 64, CPU));
        double difference = (ddim - euler).abs().max().item<double>();
        output.WriteLine($"clip {clip}: max |DDIM − Euler| = {difference:G3}");
        Assert.True(difference < 1e-12, $"max difference {difference}");
    }

    [Theory]
    [InlineData("euler", 32, 0.8, 1.2)]
    [InlineData("heun", 16, 1.6, 2.5)]
    public void EdmRange_ClosedFormDenoiser_ConvergesWithTheSamplersOrder(string name, int steps, double minOrder, double maxOrder)
    {
        var edm = new EdmFormulation(new EdmConfig(), EdmConfig.PixelSigmaData);
        double coarse = StdError(name, edm, steps), fine = StdError(name, edm, 2 * steps);
        double order = Math.Log2(coarse / fine);
        output.WriteLine($"{name} on Karras σ's 0.002…80: |std error| {coarse:G3} at {steps} steps, {fine:G3} at {2 * steps}: order {order:F2}");
        Assert.InRange(order, minOrder, maxOrder);
    }

    /// <summary>|std(x₀) − s| of a deterministic sampler on N(μ, s²) data: its map from n is affine, so runs from n = 0 and 1 give it exactly.</summary>
    private static double StdError(string name, EdmFormulation edm, int steps)
    {
        const double Mean = 0.3, Std = 0.5;
        Denoiser closedForm = (x, level) =>
        {
            double sigma = level.Sigma;
            var xSigma = x * (1 / Math.Sqrt(level.AlphaBar));
            var d = (xSigma * (Std * Std) + sigma * sigma * Mean) / (Std * Std + sigma * sigma);
            return new Prediction(PredictionKind.Data, d, x, level);
        };
        var levels = NoiseLevels.Create(TimestepSpacing.Karras, steps, edm);
        using var scope = NewDisposeScope();
        var n = tensor(new double[] { 0, 1 }).reshape(2, 1);
        var x = Samplers.Create(name, clipDenoised: false).Sample(closedForm, n * edm.PriorScale(levels[0]), levels, new SampleNoise(0, 0, 2, CPU));
        double slope = (x[1, 0] - x[0, 0]).item<double>();
        return Math.Abs(Math.Abs(slope) - Std);
    }
}
