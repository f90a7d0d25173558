using SharpDiffusion.Config;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

/// <summary>How timesteps, class labels and the batch reach the output.</summary>
public class ModelConditioningTests
{
    private const int Classes = 3;

    private static UNet TinyModel(bool conditional, double dropout = 0)
    {
        random.manual_seed(7);
        var config = new ModelConfig
        {
            Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [8], Heads = 2, HeadDim = 4, Dropout = dropout,
            ClassConditional = conditional, NumClasses = conditional ? Classes : 0,
        };
        var model = new UNet(config, 3, 16);
        model.eval();
        return model;
    }

    private static float MaxDifference(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    [Fact]
    public void Forward_DifferentClassLabels_GiveDifferentOutputs()
    {
        using var model = TinyModel(conditional: true);
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 16, 16);
        var t = tensor(new long[] { 10, 10 });

        var first = model.forward(x, t, Conditioning.Classes(tensor(new long[] { 0, 0 })));
        var second = model.forward(x, t, Conditioning.Classes(tensor(new long[] { 1, 1 })));

        Assert.True(MaxDifference(first, second) > 1e-3f);
    }

    [Fact]
    public void Forward_NoLabelsOrUnconditional_UseTheNullClass()
    {
        using var model = TinyModel(conditional: true);
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 16, 16);
        var t = tensor(new long[] { 3, 500 });
        var twos = Conditioning.Classes(tensor(new long[] { 2, 2 }));

        var withoutLabels = model.forward(x, t, Conditioning.None);
        var unconditional = model.forward(x, t, twos.AsUnconditional());
        var oneDropped = model.forward(x, t, twos.DropWhere(tensor(new[] { false, true })));
        var realClass = model.forward(x, t, twos);

        Assert.Equal(0f, MaxDifference(withoutLabels, unconditional));
        Assert.Equal(0f, MaxDifference(oneDropped[1], withoutLabels[1]));
        Assert.Equal(0f, MaxDifference(oneDropped[0], realClass[0]));
        Assert.True(MaxDifference(withoutLabels, realClass) > 1e-3f);
    }

    [Fact]
    public void Forward_UnconditionalModelGivenLabels_RefusesThemInsteadOfIgnoringThem()
    {
        using var model = TinyModel(conditional: false);
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 16, 16);
        var t = tensor(new long[] { 3, 500 });

        var error = Assert.Throws<ArgumentException>(() => model.forward(x, t, Conditioning.Classes(tensor(new long[] { 0, 1 }))));
        Assert.Contains("without classes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_DifferentTimesteps_GiveDifferentOutputs()
    {
        using var model = TinyModel(conditional: false);
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 16, 16);

        var early = model.forward(x, tensor(new long[] { 0 }), Conditioning.None);
        var late = model.forward(x, tensor(new long[] { 500 }), Conditioning.None);

        Assert.True(MaxDifference(early, late) > 1e-3f);
    }

    [Fact]
    public void Forward_Batch_EachSampleIndependentOfTheOthers()
    {
        // GroupNorm and attention act per sample, so a sample's output must not depend on its batch mates.
        using var model = TinyModel(conditional: true);
        using var scope = NewDisposeScope();
        var x = randn(3, 3, 16, 16);
        var t = tensor(new long[] { 1, 200, 999 });
        var labels = Conditioning.Classes(tensor(new long[] { 0, 1, 2 })).DropWhere(tensor(new[] { false, true, false }));

        var batched = model.forward(x, t, labels);
        for (int i = 0; i < 3; i++)
        {
            var alone = model.forward(x[i..(i + 1)], t[i..(i + 1)], labels.Slice(i, 1));
            Assert.True(MaxDifference(batched[i..(i + 1)], alone) < 1e-5f, $"sample {i} depends on the batch");
        }
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
