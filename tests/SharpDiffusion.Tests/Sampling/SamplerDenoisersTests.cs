using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
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
        using var scope = NewDisposeScope();
        using var generator = new Generator(3, CPU);
        var x0 = rand([4, 1, 2, 2], generator: generator) * 2 - 1;
        var noise = randn([4, 1, 2, 2], generator: generator);
        var t = tensor(new long[] { 5, 100, 600, 950 });
        var xt = diffusion.QSample(x0, t, noise);
        var denoiser = Denoisers.FromModel((x, tt) => diffusion.Target(x0, noise, tt), diffusion);
        Assert.True(denoiser(xt, t).allclose(noise, rtol: 1e-4, atol: 1e-4));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(3.0)]
    public void Guided_CombinesBothBranchesFromOneBatchedForward(double w)
    {
        // A fake ε-network whose output is label + 1: ε(x, c) = c + 1 and ε(x, ∅) = nullLabel + 1.
        const long nullLabel = 9;
        var diffusion = new GaussianDiffusion(new DiffusionConfig());
        var calls = new List<long>();
        Tensor Network(Tensor x, Tensor t, Tensor labels)
        {
            calls.Add(x.shape[0]);
            return (labels.to(ScalarType.Float32) + 1).reshape(-1, 1, 1, 1).expand_as(x);
        }
        using var scope = NewDisposeScope();
        var labels = tensor(Labels);
        var eps = Denoisers.Guided(Network, diffusion, labels, nullLabel, w)(zeros(3, 1, 2, 2), tensor(new long[] { 10, 10, 10 }));
        Assert.Equal([6L], calls);
        float[] expected = [.. Labels.Select(c => (float)((1 + w) * (c + 1) - w * (nullLabel + 1)))];
        Assert.Equal(expected, eps[.., 0, 0, 0].data<float>().ToArray());
    }

    [Fact]
    public void Guided_BatchOfAnotherSize_Throws()
    {
        var diffusion = new GaussianDiffusion(new DiffusionConfig());
        using var scope = NewDisposeScope();
        var denoiser = Denoisers.Guided((x, t, c) => zeros_like(x), diffusion, tensor(new long[] { 1, 2 }), 0, 1);
        Assert.Throws<ArgumentException>(() => denoiser(zeros(3, 1), tensor(new long[] { 1, 1, 1 })));
        Assert.Throws<ArgumentOutOfRangeException>(() => Denoisers.Guided((x, t, c) => x, diffusion, tensor(new long[] { 1 }), 0, -1));
    }
}
