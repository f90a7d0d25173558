namespace SharpDiffusion.Config;

/// <summary>
/// EDM's non-leaking augmentation (Karras et al. 2022, App. F.2; NVlabs/edm training/augment.py), data.augment; absent: off.
/// Each enabled op is applied to a training sample with probability <see cref="P"/>, drawn per sample and per op, and the
/// network is told what was done (a 9-number label vector, Models/AugmentationLabels), so at sampling, with zero labels, it
/// makes un-augmented images. The ops' spreads are EDM's and fixed.
/// </summary>
public sealed record AugmentConfig
{
    /// <summary>Probability that each op is applied to a sample (EDM's CIFAR-10 setting: 0.12).</summary>
    public double P { get; init; } = DefaultP;

    /// <summary>Mirror left–right (then a fair coin decides whether it happens, as in EDM).</summary>
    public bool Xflip { get; init; } = true;

    /// <summary>Mirror top–bottom (a fair coin, as <see cref="Xflip"/>).</summary>
    public bool Yflip { get; init; } = true;

    /// <summary>Isotropic scale by 2^N(0, 0.2²).</summary>
    public bool Scale { get; init; } = true;

    /// <summary>Rotation by an angle uniform over the full circle.</summary>
    public bool Rotate { get; init; } = true;

    /// <summary>Anisotropic scale 2^N(0, 0.2²) along x and its inverse along y, in a frame rotated by U(−π, π) half the time.</summary>
    public bool Aniso { get; init; } = true;

    /// <summary>Fractional translation by N(0, 0.125²) of the image side along x and y.</summary>
    public bool Translate { get; init; } = true;

    public const double DefaultP = 0.12;
}
