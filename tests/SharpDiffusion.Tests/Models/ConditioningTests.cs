using SharpDiffusion.Config;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

/// <summary>The conditioning record and its spec: concatenation, the unconditional form, the null class, dropout.</summary>
public class ConditioningTests
{
    private static readonly ConditioningSpec ThreeClasses = new(Classes: 3, DropProbability: 0.5);

    private static long[] Values(Tensor t) => t.data<long>().ToArray();

    private static bool[] Flags(Tensor t) => t.data<bool>().ToArray();

    [Fact]
    public void Cat_TwoBatches_PutsEveryKindAndMaskOneAfterTheOther()
    {
        using var scope = NewDisposeScope();
        var first = Conditioning.Classes(tensor(new long[] { 0, 2 })).DropWhere(tensor(new[] { false, true }));
        var second = Conditioning.Classes(tensor(new long[] { 1 }));

        var both = Conditioning.Cat(first, second);

        Assert.Equal([0L, 2, 1], Values(both.ClassLabels!));
        Assert.Equal([false, true, false], Flags(both.Unconditional!));
        Assert.Equal(3L, both.BatchSize);
    }

    [Fact]
    public void Cat_DifferentKinds_Throws()
    {
        using var scope = NewDisposeScope();
        var labels = Conditioning.Classes(tensor(new long[] { 0 }));
        var image = new Conditioning { LowResolution = zeros(1, 3, 2, 2) };
        Assert.Throws<ArgumentException>(() => Conditioning.Cat(labels, image));
        Assert.Throws<ArgumentException>(() => Conditioning.Cat(labels, Conditioning.None));
        Assert.Same(Conditioning.None, Conditioning.Cat(Conditioning.None, Conditioning.None));
    }

    [Fact]
    public void AsUnconditional_KeepsTheKindsAndMarksEverySample()
    {
        using var scope = NewDisposeScope();
        var condition = Conditioning.Classes(tensor(new long[] { 0, 1, 2 }));
        var unconditional = condition.AsUnconditional();
        Assert.Equal([0L, 1, 2], Values(unconditional.ClassLabels!));
        Assert.Equal([true, true, true], Flags(unconditional.Unconditional!));
        Assert.Same(Conditioning.None, Conditioning.None.AsUnconditional());
    }

    [Fact]
    public void DropWhere_Twice_IsTheUnionOfTheMasks()
    {
        using var scope = NewDisposeScope();
        var dropped = Conditioning.Classes(tensor(new long[] { 0, 1, 2 }))
            .DropWhere(tensor(new[] { true, false, false }))
            .DropWhere(tensor(new[] { false, false, true }));
        Assert.Equal([true, false, true], Flags(dropped.Unconditional!));
    }

    [Fact]
    public void Slice_TakesTheSameSamplesOfEveryKind()
    {
        using var scope = NewDisposeScope();
        var condition = Conditioning.Classes(tensor(new long[] { 0, 1, 2 })).DropWhere(tensor(new[] { false, true, false }));
        var middle = condition.Slice(1, 2);
        Assert.Equal([1L, 2], Values(middle.ClassLabels!));
        Assert.Equal([true, false], Flags(middle.Unconditional!));
    }

    [Fact]
    public void ClassIndices_NullClassForUnconditionalAndMissingLabels()
    {
        using var scope = NewDisposeScope();
        var condition = Conditioning.Classes(tensor(new long[] { 0, 1, 2 })).DropWhere(tensor(new[] { false, true, false }));
        Assert.Equal([0L, 3, 2], Values(ThreeClasses.ClassIndices(condition, 3, CPU)!));
        Assert.Equal([3L, 3], Values(ThreeClasses.ClassIndices(Conditioning.None, 2, CPU)!));
        Assert.Null(new ConditioningSpec(0, 0).ClassIndices(Conditioning.None, 2, CPU));
        Assert.Equal(4, ThreeClasses.ClassEmbeddingRows);
    }

    [Fact]
    public void Check_KindTheNetworkDoesNotTakeOrWrongBatch_Throws()
    {
        using var scope = NewDisposeScope();
        var unconditional = new ConditioningSpec(0, 0);
        Assert.Contains("without classes", Assert.Throws<ArgumentException>(() => unconditional.Check(Conditioning.Classes(tensor(new long[] { 0 })), 1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ThreeClasses.Check(new Conditioning { LowResolution = zeros(1, 3, 2, 2) }, 1));
        Assert.Throws<ArgumentException>(() => ThreeClasses.Check(Conditioning.Classes(tensor(new long[] { 0, 1 })), 3));
        ThreeClasses.Check(Conditioning.None, 3);
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(1.0, true)]
    public void DropOut_ProbabilityZeroOrOne_DropsNoneOrAll(double probability, bool dropped)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var condition = Conditioning.Classes(tensor(new long[] { 0, 1, 2, 0 }));
        var result = (ThreeClasses with { DropProbability = probability }).DropOut(condition, 4, generator, CPU);
        Assert.All(Flags(result.Unconditional!), flag => Assert.Equal(dropped, flag));
    }

    [Fact]
    public void DropOut_NetworkWithoutConditions_DrawsNothing()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(4);
        var before = generator.get_state().clone();
        var result = new ConditioningSpec(0, 0.5).DropOut(Conditioning.None, 4, generator, CPU);
        Assert.Same(Conditioning.None, result);
        Assert.True(before.eq(generator.get_state()).all().item<bool>());
    }

    [Fact]
    public void For_ModelConfig_TakesClassesAndDropoutOnlyWhenClassConditional()
    {
        Assert.Equal(new ConditioningSpec(5, 0.2), ConditioningSpec.For(new ModelConfig { ClassConditional = true, NumClasses = 5, ClassDropout = 0.2 }, 16));
        Assert.Equal(new ConditioningSpec(0, 0), ConditioningSpec.For(new ModelConfig { ClassConditional = false, NumClasses = 5, ClassDropout = 0.2 }, 16));
    }
}
