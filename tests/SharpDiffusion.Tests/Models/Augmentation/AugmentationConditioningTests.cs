using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;
using SharpDiffusion.Models.Augmentation;
using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models.Augmentation;

/// <summary>The augmentation labels as a conditioning kind: made in training, kept by dropout, zero at sampling and in guidance.</summary>
public sealed class AugmentationConditioningTests
{
    private static readonly AugmentConfig AlwaysOn = new() { P = 1 };

    private static ConditioningSpec ClassesWithAugmentation(double dropout) =>
        ConditioningSpec.For(new ModelConfig { ClassConditional = true, NumClasses = 3, ClassDropout = dropout }, 8, AlwaysOn);

    [Fact]
    public void FromData_WithAugmentation_AugmentsFirstAndAttachesItsLabels()
    {
        using var scope = NewDisposeScope();
        var images = rand([4, 3, 8, 8]).mul(2).sub(1);
        var labels = tensor(new long[] { 0, 1, 2, 0 });
        var (x0, condition) = ClassesWithAugmentation(0.1).FromData(images, labels, new Generator(11));
        // The first draws of the generator are the augmentation's.
        var (expected, expectedLabels) = new NonLeakingAugmentation(AlwaysOn).Apply(images, new Generator(11));

        Assert.True(x0.equal(expected).all().item<bool>());
        Assert.True(condition.AugmentationLabels!.equal(expectedLabels).all().item<bool>());
        Assert.Same(labels, condition.ClassLabels);
    }

    [Fact]
    public void FromData_SuperResolutionWithAugmentation_MakesTheLowResolutionImageFromTheAugmentedOne()
    {
        using var scope = NewDisposeScope();
        // Level s_max = 0: the low-resolution condition is the clean downscale, so it can be compared exactly.
        var sr = new SuperResolutionConfig { InputSize = 4, AugmentationMax = 0 };
        var spec = ConditioningSpec.For(new ModelConfig { SuperResolution = sr }, 8, AlwaysOn);
        var images = rand([4, 3, 8, 8]).mul(2).sub(1);

        var (x0, condition) = spec.FromData(images, tensor(new long[] { 0, 0, 0, 0 }), new Generator(5));
        var (expected, expectedLabels) = new NonLeakingAugmentation(AlwaysOn).Apply(images, new Generator(5));

        Assert.True(x0.equal(expected).all().item<bool>());
        Assert.True(condition.AugmentationLabels!.equal(expectedLabels).all().item<bool>());
        Assert.True(condition.LowResolution!.allclose(spec.LowResolution!.Downscale(expected), rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void DropOut_MakesSamplesUnconditional_ButKeepsTheirAugmentationLabels()
    {
        using var scope = NewDisposeScope();
        var spec = ClassesWithAugmentation(dropout: 1);
        var augmentationLabels = randn([3, AugmentationLabels.Count]);
        var condition = Conditioning.Classes(tensor(new long[] { 0, 1, 2 })) with { AugmentationLabels = augmentationLabels };

        var dropped = spec.DropOut(condition, 3, new Generator(1), CPU);

        Assert.Equal([3L, 3, 3], spec.ClassIndices(dropped, 3, CPU)!.data<long>().ToArray()); // the null class
        Assert.True(spec.AugmentationInput(dropped, 3, CPU)!.equal(augmentationLabels).all().item<bool>());
    }

    [Fact]
    public void Guided_BothBranches_GetZeroAugmentationLabels()
    {
        using var scope = NewDisposeScope();
        var spec = ClassesWithAugmentation(0.1);
        var diffusion = new DdpmFormulation(new GaussianDiffusion(new DiffusionConfig { Timesteps = 10 }));
        Tensor? seen = null;
        Tensor? seenClasses = null;
        Tensor Network(Tensor x, Tensor t, Conditioning c)
        {
            spec.Check(c, x.shape[0]);
            seen = spec.AugmentationInput(c, x.shape[0], x.device)!.MoveToOuterDisposeScope();
            seenClasses = spec.ClassIndices(c, x.shape[0], x.device)!.MoveToOuterDisposeScope();
            return zeros_like(x);
        }

        var denoiser = Denoisers.Guided(Network, diffusion, Conditioning.Classes(tensor(new long[] { 1, 2 })), w: 2);
        denoiser(randn([2, 3, 8, 8]), diffusion.Table[5]);

        Assert.Equal([4L, AugmentationLabels.Count], seen!.shape);
        Assert.True(seen.eq(0).all().item<bool>());
        Assert.Equal([1L, 2, 3, 3], seenClasses!.data<long>().ToArray()); // second half: the unconditional branch
    }

    [Fact]
    public void Check_LabelsForAModelTrainedWithoutAugmentation_OrOfAnotherWidth_AreRefused()
    {
        using var scope = NewDisposeScope();
        var plain = new ConditioningSpec(0, 0);
        var error = Assert.Throws<ArgumentException>(() => plain.Check(new Conditioning { AugmentationLabels = zeros(2, AugmentationLabels.Count) }, 2));
        Assert.Contains("data.augment", error.Message, StringComparison.Ordinal);
        Assert.Null(plain.AugmentationInput(Conditioning.None, 2, CPU));

        var augmented = ConditioningSpec.For(new ModelConfig(), 8, AlwaysOn);
        Assert.Throws<ArgumentException>(() => augmented.Check(new Conditioning { AugmentationLabels = zeros(2, 6) }, 2));
        Assert.False(augmented.IsConditional); // nothing to drop out or guide: the labels are not a condition
    }

    [Fact]
    public void ConditioningRecord_CarriesTheLabelsThroughCatSliceAndTo()
    {
        using var scope = NewDisposeScope();
        var first = new Conditioning { AugmentationLabels = ones(2, AugmentationLabels.Count) };
        var second = new Conditioning { AugmentationLabels = zeros(1, AugmentationLabels.Count) };
        var both = Conditioning.Cat(first, second);
        Assert.Equal([1f, 1f, 0f], both.AugmentationLabels![.., 0].data<float>().ToArray());
        Assert.Equal([1f, 0f], both.Slice(1, 2).To(CPU).AugmentationLabels![.., 0].data<float>().ToArray());
        Assert.Throws<ArgumentException>(() => Conditioning.Cat(first, Conditioning.Classes(tensor(new long[] { 0 }))));
    }
}
