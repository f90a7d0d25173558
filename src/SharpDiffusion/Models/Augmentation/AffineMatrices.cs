using static TorchSharp.torch;

namespace SharpDiffusion.Models.Augmentation;

/// <summary>
/// Per-sample 3×3 homogeneous 2-D transforms, float [B, 3, 3], in EDM's convention (training/augment.py): pixel
/// coordinates centred on the image, x to the right, y downwards. The augmentation composes their inverses into one
/// G⁻¹ that maps each output pixel to where it is read in the input.
/// </summary>
public static class AffineMatrices
{
    /// <summary>[[sx, 0, 0], [0, sy, 0], [0, 0, 1]] per sample.</summary>
    public static Tensor Scale(Tensor sx, Tensor sy)
    {
        var zero = zeros_like(sx);
        return FromRows(sx, zero, zero, zero, sy, zero);
    }

    /// <summary>[[cos θ, −sin θ, 0], [sin θ, cos θ, 0], [0, 0, 1]] per sample.</summary>
    public static Tensor Rotate(Tensor theta)
    {
        var (c, s) = (cos(theta), sin(theta));
        var zero = zeros_like(theta);
        return FromRows(c, s.neg(), zero, s, c, zero);
    }

    /// <summary>[[1, 0, tx], [0, 1, ty], [0, 0, 1]] per sample.</summary>
    public static Tensor Translate(Tensor tx, Tensor ty)
    {
        var (zero, one) = (zeros_like(tx), ones_like(tx));
        return FromRows(one, zero, tx, zero, one, ty);
    }

    /// <summary>The identity, float [B, 3, 3].</summary>
    public static Tensor Identity(long batch, Device device) => eye(3, dtype: ScalarType.Float32, device: device).expand(batch, 3, 3).contiguous();

    private static Tensor FromRows(Tensor a, Tensor b, Tensor c, Tensor d, Tensor e, Tensor f)
    {
        var (zero, one) = (zeros_like(a), ones_like(a));
        return stack([a, b, c, d, e, f, zero, zero, one], 1).view(-1, 3, 3);
    }
}
