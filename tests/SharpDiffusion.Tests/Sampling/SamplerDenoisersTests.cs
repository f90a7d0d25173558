using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling;

public class SamplerDenoisersTests
{
    private static readonly long[] Labels = [0, 2, 4];

    [Theory]
    [InlineData(Objective.Eps)]
    [InlineData(Objective.X0)]
    [InlineData(Objective.V)]
    public void FromModel_PerfectNetworkOfAnyObjective_PredictsTheTrueNoise(Objective objective)
    {
        var diffusion = new GaussianDiffusion(new DiffusionConfig { Objective = objective });
        var formulation = new DdpmFormulation(diffusion);
        using var scope = NewDisposeScope();
        using var generator = new Generator(3, CPU);
        var x0 = rand([4, 1, 2, 2], generator: generator) * 2 - 1;
        var noise = randn([4, 1, 2, 2], generator: generator);
        var denoiser = Denoisers.FromModel((x, tt) => diffusion.Target(x0, noise, tt), formulation);
        foreach (int t in new[] { 5, 100, 600, 950 })
        {
            var xt = diffusion.QSample(x0, full([4], t, ScalarType.Int64), noise);
            var prediction = denoiser(xt, formulation.Table[t]);
            Assert.True(prediction.Noise().allclose(noise, rtol: 1e-4, atol: 1e-4));
            Assert.True(prediction.Denoised(clip: false).allclose(x0, rtol: 1e-3, atol: 1e-3));
        }
    }

    [Theory]
    [InlineData(Objective.X0, 0.0)]      // x̂₀ is the output itself
    [InlineData(Objective.V, 2e-6)]      // x̂₀ = √ᾱ·x_t − √(1−ᾱ)·v: float32 rounding of two O(1) terms
    public void FromModel_NativeX0_SurvivesTheNoisiestCosineStep(Objective objective, double tolerance)
    {
        // Issue 22 step 4: at t = T − 1 of the cosine schedule √ᾱ = 4.9e-5, so rebuilding x̂₀ from ε̂ (x_t/√ᾱ − ε̂·√((1−ᾱ)/ᾱ))
        // cancels two terms of size ~2·10⁴ in float32; handing the sampler the model's own x̂₀ avoids it.
        var diffusion = new GaussianDiffusion(new DiffusionConfig { Schedule = BetaSchedule.Cosine, Objective = objective });
        var formulation = new DdpmFormulation(diffusion);
        using var scope = NewDisposeScope();
        using var generator = new Generator(8, CPU);
        var x0 = rand([4, 1, 4, 4], generator: generator) * 2 - 1;
        var noise = randn([4, 1, 4, 4], generator: generator);
        var t = full([4], 999, ScalarType.Int64);
        var xt = diffusion.QSample(x0, t, noise);
        var prediction = Denoisers.FromModel((x, tt) => diffusion.Target(x0, noise, tt), formulation)(xt, formulation.Table[999]);
        Assert.Equal(PredictionKind.Data, prediction.Kind);
        double native = (prediction.Denoised(clip: false) - x0).abs().max().item<float>();
        double viaNoise = (SamplerSteps.PredictX0(xt, prediction.Noise(), formulation.Table[999].AlphaBar, clip: false) - x0).abs().max().item<float>();
        Assert.True(native <= tolerance, $"native x̂₀ error {native:G3}");
        Assert.True(viaNoise > 1e-4, $"the ε̂ round trip lost only {viaNoise:G3}"); // what the native form avoids
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(3.0)]
    public void Guided_CombinesBothBranchesFromOneBatchedForward(double w)
    {
        // A fake ε-network whose output is label + 1 for a conditional sample and NullOutput for an unconditional one.
        const float NullOutput = 10;
        var diffusion = new DdpmFormulation(new GaussianDiffusion(new DiffusionConfig()));
        var calls = new List<long>();
        Tensor Network(Tensor x, Tensor t, Conditioning c)
        {
            calls.Add(x.shape[0]);
            var output = where(c.Unconditional!, tensor(NullOutput), c.ClassLabels!.to(ScalarType.Float32) + 1);
            return output.reshape(-1, 1, 1, 1).expand_as(x);
        }
        using var scope = NewDisposeScope();
        var eps = Denoisers.Guided(Network, diffusion, Conditioning.Classes(tensor(Labels)), w)(zeros(3, 1, 2, 2), diffusion.Table[10]).Value;
        Assert.Equal([6L], calls);
        float[] expected = [.. Labels.Select(c => (float)((1 + w) * (c + 1) - w * NullOutput))];
        Assert.Equal(expected, eps[.., 0, 0, 0].data<float>().ToArray());
    }

    [Fact]
    public void Guided_LowResolutionCondition_GuidesLikeAClassOne()
    {
        // Guidance knows no kind: a fake network that outputs the low-resolution image's mean (0 when unconditional) gives
        // ε̃ = (1 + w)·mean − w·0 for each sample, and the condition reaches it with both branches' masks.
        const double W = 2;
        var diffusion = new DdpmFormulation(new GaussianDiffusion(new DiffusionConfig()));
        Tensor Network(Tensor x, Tensor t, Conditioning c)
        {
            Assert.Null(c.ClassLabels);
            var mean = c.LowResolution!.mean([1, 2, 3]);
            return where(c.Unconditional!, zeros_like(mean), mean).reshape(-1, 1, 1, 1).expand_as(x);
        }
        using var scope = NewDisposeScope();
        var lowResolution = tensor(new[] { 0.25f, -0.5f }).view(2, 1, 1, 1).expand(2, 3, 4, 4);
        var condition = new Conditioning { LowResolution = lowResolution, AugmentationLevel = tensor(new[] { 0.2f, 0.2f }) };
        var eps = Denoisers.Guided(Network, diffusion, condition, W)(zeros(2, 1, 2, 2), diffusion.Table[5]).Value;
        Assert.Equal([0.75f, -1.5f], eps[.., 0, 0, 0].data<float>().ToArray());
    }

    [Fact]
    public void Guided_BatchOfAnotherSizeOrNoCondition_Throws()
    {
        var diffusion = new DdpmFormulation(new GaussianDiffusion(new DiffusionConfig()));
        using var scope = NewDisposeScope();
        var denoiser = Denoisers.Guided((x, t, c) => zeros_like(x), diffusion, Conditioning.Classes(tensor(new long[] { 1, 2 })), 1);
        Assert.Throws<ArgumentException>(() => denoiser(zeros(3, 1), diffusion.Table[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Denoisers.Guided((x, t, c) => x, diffusion, Conditioning.Classes(tensor(new long[] { 1 })), -1));
        Assert.Throws<ArgumentException>(() => Denoisers.Guided((x, t, c) => x, diffusion, Conditioning.None, 1));
    }
}
