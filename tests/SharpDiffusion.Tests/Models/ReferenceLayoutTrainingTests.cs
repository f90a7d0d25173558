using SharpDiffusion.Config;
using SharpDiffusion.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

/// <summary>Initial norms, gradients and conditioning of the reference layout.</summary>
public class ReferenceLayoutTrainingTests
{
    private const int Classes = 3;

    private static UNet TinyModel(bool conditional, double dropout = 0, int seed = 7)
    {
        random.manual_seed(seed);
        var config = new ModelConfig
        {
            Layout = UNetLayout.Reference, Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [8], Heads = 2, HeadDim = 4,
            Dropout = dropout, ClassConditional = conditional, NumClasses = conditional ? Classes : 0,
        };
        var model = new UNet(config, 3, 16);
        model.eval();
        return model;
    }

    private static float MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Fact]
    public void FreshModel_EveryNormGain_IsExactlyOne_AndThereIsNoGroupNorm()
    {
        var config = new ModelConfig { Layout = UNetLayout.Reference, Dim = 16, DimMults = [1, 2, 4], ResBlocks = 2, AttentionResolutions = [8], ClassConditional = true, NumClasses = 2 };
        using var model = new UNet(config, 3, 32);

        Assert.DoesNotContain(model.named_modules(), m => m.module is GroupNorm);
        var norms = model.named_modules().Where(m => m.module is RmsNorm).ToList();
        // 2 per res block (3 levels × 2 blocks down, × 2 up, 2 middle, 1 final = 15), 1 per attention (3 down + 3 up +
        // 1 middle) plus the output norm of each linear attention (2 down + 2 up: level 2, at 8 px, is full).
        Assert.Equal(2 * 15 + 7 + 4, norms.Count);
        var gains = model.named_parameters().Where(p => p.name.EndsWith(".g", StringComparison.Ordinal)).ToList();
        Assert.Equal(norms.Count, gains.Count);
        foreach (var (name, gain) in gains)
            Assert.True(gain.eq(1f).all().item<bool>(), $"{name} is not 1");
    }

    [Fact]
    public void Backward_NoiseRegressionLoss_GivesFiniteNonZeroGradientToEveryParameter()
    {
        using var model = TinyModel(conditional: true, dropout: 0.1, seed: 11);
        model.train();
        using var scope = NewDisposeScope();
        var x = randn(4, 3, 16, 16);
        // Every class row, the null one included, is used so that each receives a gradient.
        var labels = tensor(new long[] { 0, 1, 2, 1 });

        var loss = nn.functional.mse_loss(model.forward(x, tensor(new long[] { 0, 10, 500, 999 }), Conditioning.Classes(labels).DropWhere(tensor(new[] { false, false, false, true }))), randn_like(x));
        loss.backward();

        foreach (var (name, parameter) in model.named_parameters())
        {
            var grad = parameter.grad;
            Assert.True(grad is not null, $"{name} has no gradient");
            Assert.True(grad.isfinite().all().item<bool>(), $"{name} has a non-finite gradient");
            Assert.True(grad.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
        }
    }

    [Fact]
    public void Forward_DifferentClassLabels_GiveDifferentOutputs()
    {
        using var model = TinyModel(conditional: true);
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 16, 16);
        var t = tensor(new long[] { 10, 10 });

        Assert.True(MaxDifference(model.forward(x, t, Conditioning.Classes(tensor(new long[] { 0, 0 }))), model.forward(x, t, Conditioning.Classes(tensor(new long[] { 1, 1 })))) > 1e-3f);
    }

    [Fact]
    public void Forward_NullLabels_UseTheNullClass()
    {
        using var model = TinyModel(conditional: true);
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 16, 16);
        var t = tensor(new long[] { 3, 500 });

        var withoutLabels = model.forward(x, t, Conditioning.None);
        var twos = Conditioning.Classes(tensor(new long[] { 2, 2 }));
        Assert.Equal(0f, MaxDifference(withoutLabels, model.forward(x, t, twos.AsUnconditional())));
        Assert.True(MaxDifference(withoutLabels, model.forward(x, t, twos)) > 1e-3f);
    }

    [Fact]
    public void Forward_DifferentTimesteps_GiveDifferentOutputs()
    {
        using var model = TinyModel(conditional: false);
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 16, 16);

        Assert.True(MaxDifference(model.forward(x, tensor(new long[] { 0 }), Conditioning.None), model.forward(x, tensor(new long[] { 500 }), Conditioning.None)) > 1e-3f);
    }

    [Fact]
    public void Forward_Batch_EachSampleIndependentOfTheOthers()
    {
        // RMSNorm and both attentions act per sample (the memory tokens are shared parameters, not batch statistics).
        using var model = TinyModel(conditional: true);
        using var scope = NewDisposeScope();
        var x = randn(3, 3, 16, 16);
        var t = tensor(new long[] { 1, 200, 999 });
        var labels = Conditioning.Classes(tensor(new long[] { 0, 1, 2 })).DropWhere(tensor(new[] { false, true, false }));

        var batched = model.forward(x, t, labels);
        for (int i = 0; i < 3; i++)
            Assert.True(MaxDifference(batched[i..(i + 1)], model.forward(x[i..(i + 1)], t[i..(i + 1)], labels.Slice(i, 1))) < 1e-5f, $"sample {i} depends on the batch");
    }

    [Fact]
    public void Forward_Dropout_ActiveInTrainingOnly()
    {
        using var model = TinyModel(conditional: false, dropout: 0.5);
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 16, 16);
        var t = tensor(new long[] { 42 });

        Assert.Equal(0f, MaxDifference(model.forward(x, t, Conditioning.None), model.forward(x, t, Conditioning.None)));
        model.train();
        Assert.True(MaxDifference(model.forward(x, t, Conditioning.None), model.forward(x, t, Conditioning.None)) > 1e-4f);
    }
}
