using SharpDiffusion.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models.Augmentation;

/// <summary>
/// EDM's non-leaking augmentation (Karras et al. 2022, App. F.2; NVlabs/edm training/augment.py with its CIFAR-10 ops):
/// flips, then the geometric ops as one affine resampling (<see cref="AffineResampling"/>), and the label vector that tells
/// the network what was done (<see cref="AugmentationLabels"/>). The network learns p(x | labels); sampling asks for zero
/// labels, the un-augmented data, so the augmentation does not leak into the samples (Karras et al. 2020, ADA, §2).
/// </summary>
public sealed class NonLeakingAugmentation(AugmentConfig config)
{
    /// <summary>A flip parameter's "not applied" (int, as the literal was; held: see Sampling/Scaled).</summary>
    private static readonly Scalar NotApplied = 0.ToScalar();

    public AugmentConfig Config { get; } = config ?? throw new ArgumentNullException(nameof(config));

    /// <summary>Draws the parameters from <paramref name="generator"/> (<see cref="AugmentationParameters.Draw"/>) and applies them.</summary>
    /// <param name="images">float [B, C, H, W] in [−1, 1].</param>
    /// <returns>The augmented images and their labels, float [B, 9].</returns>
    public (Tensor Images, Tensor Labels) Apply(Tensor images, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = NewDisposeScope();
        var parameters = AugmentationParameters.Draw(Config, images.shape[0], generator, images.device);
        var (augmented, labels) = Apply(images, parameters);
        return (augmented.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    /// <summary>Applies given parameters: x-flip, y-flip, then G⁻¹ by one resampling where a geometric op was applied.</summary>
    public static (Tensor Images, Tensor Labels) Apply(Tensor images, AugmentationParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(parameters);
        using var scope = NewDisposeScope();
        var x = where(parameters.XFlip.ne(NotApplied).view(-1, 1, 1, 1), images.flip(3), images);
        x = where(parameters.YFlip.ne(NotApplied).view(-1, 1, 1, 1), x.flip(2), x);
        var geometric = parameters.Geometric();
        // Samples with G⁻¹ = I keep their pixels exactly (the supersampling would blur them). Every sample is resampled and
        // then picked, rather than branching on the host, so a training step never waits for the device.
        var resampled = AffineResampling.Apply(x, parameters.Inverse(images.shape[2], images.shape[3]));
        x = where(geometric.view(-1, 1, 1, 1), resampled, x);
        return (x.MoveToOuterDisposeScope(), parameters.Labels().to(ScalarType.Float32).MoveToOuterDisposeScope());
    }
}
