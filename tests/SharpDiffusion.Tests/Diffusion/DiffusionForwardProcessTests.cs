using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Diffusion;

public class DiffusionForwardProcessTests
{
    private static readonly GaussianDiffusion Eps = new(new DiffusionConfig());
    private static readonly int[] IntTimesteps = [1, 2];

    [Fact]
    public void Constructor_TakesScheduleAndObjectiveFromConfig()
    {
        var diffusion = new GaussianDiffusion(new DiffusionConfig { Timesteps = 50, Schedule = BetaSchedule.Cosine, Objective = Objective.V });
        Assert.Equal(50, diffusion.Schedule.Timesteps);
        Assert.Equal(Objective.V, diffusion.Objective);
    }

    [Fact]
    public void QSample_ManyDraws_MeanAndVarianceFollowEq4()
    {
        const int n = 20000;
        const int t = 300;
        using var scope = NewDisposeScope();
        using var generator = new Generator(42, CPU);
        var x0 = full([n, 1], 0.7f);
        var noise = randn([n, 1], generator: generator);
        var xt = Eps.QSample(x0, full([n], t, ScalarType.Int64), noise).to(ScalarType.Float64);
        double alphaBar = Eps.Schedule.AlphasCumprod[t];
        double variance = 1 - alphaBar;
        Assert.Equal(Math.Sqrt(alphaBar) * 0.7, xt.mean().item<double>(), 4 * Math.Sqrt(variance / n));
        Assert.Equal(variance, xt.var().item<double>(), 4 * variance * Math.Sqrt(2.0 / n));
    }

    [Fact]
    public void Posterior_MatchesTheGaussianProductOfEqs6And7()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1, CPU);
        var x0 = randn([4, 3], generator: generator);
        var xt = randn([4, 3], generator: generator);
        long[] steps = [0, 1, 400, 999];
        var (mean, variance) = Eps.Posterior(x0, xt, tensor(steps));
        for (int i = 0; i < steps.Length; i++)
        {
            int t = (int)steps[i];
            double beta = Eps.Schedule.Betas[t], previous = Eps.Schedule.AlphaBar(t - 1);
            // Product of N(x_{t−1}; √ᾱ_{t−1} x_0, 1 − ᾱ_{t−1}) and N(x_t; √α_t x_{t−1}, β_t) in x_{t−1}.
            double precision = 1 / (1 - previous) + (1 - beta) / beta;
            double expectedVariance = t == 0 ? 0 : 1 / precision;
            Assert.Equal(expectedVariance, variance[i, 0].item<float>(), 1e-6 + expectedVariance * 1e-5);
            for (int j = 0; j < 3; j++)
            {
                double a = x0[i, j].item<float>(), b = xt[i, j].item<float>();
                double expectedMean = t == 0 ? a : (Math.Sqrt(previous) * a / (1 - previous) + Math.Sqrt(1 - beta) * b / beta) / precision;
                Assert.Equal(expectedMean, mean[i, j].item<float>(), 1e-5);
            }
        }
    }

    [Theory]
    [InlineData(Objective.Eps)]
    [InlineData(Objective.X0)]
    [InlineData(Objective.V)]
    public void Interpret_OfTheTarget_RecoversNoiseAndData(Objective objective)
    {
        var diffusion = new GaussianDiffusion(new DiffusionConfig { Objective = objective });
        using var scope = NewDisposeScope();
        using var generator = new Generator(2, CPU);
        var x0 = rand([5, 2, 4, 4], generator: generator) * 2 - 1;
        var noise = randn([5, 2, 4, 4], generator: generator);
        var t = tensor(new long[] { 0, 10, 500, 900, 999 });
        var xt = diffusion.QSample(x0, t, noise);
        var (eps, x0Hat) = diffusion.Interpret(diffusion.Target(x0, noise, t), xt, t);
        Assert.True(eps.allclose(noise, rtol: 1e-4, atol: 1e-4));
        Assert.True(x0Hat.allclose(x0, rtol: 1e-4, atol: 1e-4));
    }

    [Fact]
    public void Target_V_IsSqrtAlphaBarEpsMinusSqrtOneMinusAlphaBarX0()
    {
        var diffusion = new GaussianDiffusion(new DiffusionConfig { Objective = Objective.V });
        using var scope = NewDisposeScope();
        var v = diffusion.Target(full([1, 1], 0.5f), full([1, 1], -2f), tensor(new long[] { 600 }));
        double a = diffusion.Schedule.AlphasCumprod[600];
        Assert.Equal(Math.Sqrt(a) * -2 - Math.Sqrt(1 - a) * 0.5, v.item<float>(), 1e-6);
    }

    [Theory]
    [InlineData(Objective.Eps)]
    [InlineData(Objective.X0)]
    [InlineData(Objective.V)]
    public void TrainingLoss_OracleModel_IsZero(Objective objective)
    {
        // The oracle redraws t and then ε from an identically seeded generator (the documented draw order).
        var diffusion = new GaussianDiffusion(new DiffusionConfig { Objective = objective });
        using var scope = NewDisposeScope();
        var x0 = rand([8, 1, 4, 4]) * 2 - 1;
        using var lossGenerator = new Generator(9, CPU);
        using var oracleGenerator = new Generator(9, CPU);
        var loss = diffusion.TrainingLoss((xt, t) =>
        {
            var expectedT = randint(0, 1000, [8], ScalarType.Int64, generator: oracleGenerator);
            var noise = randn([8, 1, 4, 4], generator: oracleGenerator);
            Assert.True(t.equal(expectedT).all().item<bool>());
            return diffusion.Target(x0, noise, t);
        }, x0, lossGenerator);
        Assert.Empty(loss.shape);
        Assert.True(loss.item<float>() < 1e-12f);
    }

    [Fact]
    public void TrainingLoss_ZeroModelWithEpsObjective_IsMeanSquaredNoise()
    {
        // E[ε²] = 1; 65,536 squared normals have variance 2, so the mean is 1 ± 4·√(2/65536).
        using var scope = NewDisposeScope();
        using var generator = new Generator(4, CPU);
        var x0 = zeros([1024, 1, 8, 8]);
        var loss = Eps.TrainingLoss((xt, t) => zeros_like(xt), x0, generator).item<float>();
        Assert.Equal(1.0, loss, 4 * Math.Sqrt(2.0 / 65536));
    }

    [Fact]
    public void TrainingLoss_ZeroModelWithX0Objective_IsMeanSquaredData()
    {
        var diffusion = new GaussianDiffusion(new DiffusionConfig { Objective = Objective.X0 });
        using var scope = NewDisposeScope();
        using var generator = new Generator(4, CPU);
        var x0 = full([16, 3], 0.25f);
        Assert.Equal(0.0625, diffusion.TrainingLoss((xt, t) => zeros_like(xt), x0, generator).item<float>(), 1e-7);
    }

    [Fact]
    public void QSample_AfterTheCallersDisposeScopeEnds_StillWorks()
    {
        // The per-device coefficient tables are cached; they must not belong to the scope that first built them.
        var diffusion = new GaussianDiffusion(new DiffusionConfig());
        using (NewDisposeScope()) diffusion.QSample(ones(2, 1), tensor(new long[] { 1, 2 }), zeros(2, 1));
        using var scope = NewDisposeScope();
        var xt = diffusion.QSample(ones(2, 1), tensor(new long[] { 0, 0 }), zeros(2, 1));
        Assert.Equal(Math.Sqrt(1 - 1e-4), xt[0, 0].item<float>(), 1e-6);
    }

    [Fact]
    public void QSample_TimestepsOfTheWrongShape_Throw()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => Eps.QSample(ones(3, 1), tensor(new long[] { 1, 2 }), zeros(3, 1)));
        Assert.Throws<ArgumentException>(() => Eps.QSample(ones(2, 1), tensor(IntTimesteps), zeros(2, 1)));
    }
}
