namespace SharpDiffusion.Models.Augmentation;

/// <summary>
/// The layout of the augmentation label vector, float [B, 9], in EDM's order for its CIFAR-10 pipe (NVlabs/edm train.py:
/// xflip, yflip, scale, rotate_frac, aniso, translate_frac; training/augment.py appends each op's labels in that order).
/// All zeros means "not augmented": every op's label is 0 when it was not applied. An op switched off in data.augment keeps
/// its slots at 0, so the layout never changes with the switches.
/// </summary>
public static class AugmentationLabels
{
    /// <summary>Length of the vector (EDM's augment_dim = 9).</summary>
    public const int Count = 9;

    /// <summary>1 where the image was mirrored left–right, else 0.</summary>
    public const int XFlip = 0;

    /// <summary>1 where the image was mirrored top–bottom, else 0.</summary>
    public const int YFlip = 1;

    /// <summary>w of the isotropic scale 2^(0.2·w), w ~ N(0, 1).</summary>
    public const int Scale = 2;

    /// <summary>cos θ − 1 of the rotation θ.</summary>
    public const int RotateCos = 3;

    /// <summary>sin θ of the rotation θ.</summary>
    public const int RotateSin = 4;

    /// <summary>w·cos r of the anisotropic scale 2^(0.2·w) along the axis at angle r.</summary>
    public const int AnisoCos = 5;

    /// <summary>w·sin r of the anisotropic scale.</summary>
    public const int AnisoSin = 6;

    /// <summary>w_x of the translation by w_x · 0.125 · W pixels along x (to the right).</summary>
    public const int TranslateX = 7;

    /// <summary>w_y of the translation by w_y · 0.125 · H pixels along y (downwards).</summary>
    public const int TranslateY = 8;
}
