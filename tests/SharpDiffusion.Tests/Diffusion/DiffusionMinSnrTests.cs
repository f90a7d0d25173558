using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Diffusion;

/// <summary>Min-SNR-γ loss weighting (Hang et al. 2023): closed-form weights and objective independence.</summary>
public class DiffusionMinSnrTests
{
    private static GaussianDiffusion Diffusion(Objective objective, double gamma) =>
        new(new DiffusionConfig { Timesteps = 50, Schedule = BetaSchedule.Cosine, Objective = objective, MinSnrGamma = gamma });

    [Theory]
    [InlineData(Objective.Eps)]
    [InlineData(Objective.X0)]
    [InlineData(Objective.V)]
    public void LossWeight_MatchesTheClosedFormAtEveryTimestep(Objective objective)
    {
        var diffusion = Diffusion(objective, gamma: 5);
        using var scope = NewDisposeScope();
        var t = arange(50, dtype: ScalarType.Int64);
        var weights = diffusion.LossWeight(t).data<float>().ToArray();
        for (int i = 0; i < 50; i++)
        {
            double a = diffusion.Schedule.AlphasCumprod[i], snr = a / (1 - a), clipped = Math.Min(snr, 5);
            double expected = objective switch { Objective.Eps => clipped / snr, Objective.X0 => clipped, _ => clipped / (snr + 1) };
            Assert.Equal(expected, weights[i], expected * 1e-5 + 1e-7);
        }
    }

    [Fact]
    public void TrainingLoss_SamePredictionOfX0_GivesTheSameWeightedLossForEveryObjective()
    {
        // A network that predicts x̂_0 = 0.5·x_t, expressed in each objective's terms via x_t = √ᾱ x_0 + √(1−ᾱ) ε and
        // v = √ᾱ ε − √(1−ᾱ) x_0. With Min-SNR weighting all three losses are Σ min(SNR, γ)·‖x̂_0 − x_0‖², so they agree;
        // without it they differ (the plain ε-loss weights the x_0 error by SNR, the plain x_0-loss by 1).
        double Loss(Objective objective, double gamma)
        {
            var diffusion = Diffusion(objective, gamma);
            using var scope = NewDisposeScope();
            using var generator = new Generator(3, CPU);
            var alphaBar = tensor(diffusion.Schedule.AlphasCumprod.ToArray(), ScalarType.Float64);
            var x0 = linspace(-1, 1, 8 * 3 * 4 * 4).reshape(8, 3, 4, 4).to(ScalarType.Float32);
            return diffusion.TrainingLoss((xt, t) =>
            {
                var a = alphaBar.index_select(0, t).reshape(-1, 1, 1, 1).to(ScalarType.Float32);
                var x0Hat = xt * 0.5;
                var epsHat = (xt - a.sqrt() * x0Hat) / (1 - a).sqrt();
                return objective switch { Objective.Eps => epsHat, Objective.X0 => x0Hat, _ => a.sqrt() * epsHat - (1 - a).sqrt() * x0Hat };
            }, x0, generator).item<float>();
        }

        double x0Loss = Loss(Objective.X0, 5);
        Assert.Equal(x0Loss, Loss(Objective.Eps, 5), x0Loss * 1e-3);
        Assert.Equal(x0Loss, Loss(Objective.V, 5), x0Loss * 1e-3);
        Assert.True(Math.Abs(Loss(Objective.Eps, 0) - Loss(Objective.X0, 0)) > 0.1 * x0Loss, "plain losses weight timesteps differently");
    }

    [Fact]
    public void Config_NegativeGamma_IsRejectedNamingTheKey()
    {
        var error = Assert.Throws<ConfigException>(() => ConfigLoader.LoadJson("""{ "diffusion": { "min_snr_gamma": -1 } }""", "test.json", []));
        Assert.Contains("diffusion.min_snr_gamma", error.Message, StringComparison.Ordinal);
    }
}
