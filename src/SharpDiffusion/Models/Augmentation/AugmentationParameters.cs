using SharpDiffusion.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models.Augmentation;

/// <summary>
/// What the augmentation does to each of B samples, each a float [B] tensor that is 0 where the op was not applied
/// (so all zeros is the identity with all-zero labels). Spreads are EDM's (training/augment.py, CIFAR-10 pipe).
/// </summary>
/// <param name="XFlip">1: mirrored left–right.</param>
/// <param name="YFlip">1: mirrored top–bottom.</param>
/// <param name="Scale">w of the isotropic scale 2^(<see cref="ScaleStd"/>·w).</param>
/// <param name="Angle">θ in radians; the content turns counter-clockwise on screen by θ.</param>
/// <param name="Aniso">w of the anisotropic scale 2^(<see cref="AnisoStd"/>·w) along the axis at <paramref name="AnisoAngle"/> and its inverse across it.</param>
/// <param name="AnisoAngle">r, the angle of that axis (0 half the time, as in EDM).</param>
/// <param name="TranslateX">w_x: the content moves right by w_x · <see cref="TranslateStd"/> · W pixels.</param>
/// <param name="TranslateY">w_y: the content moves down by w_y · <see cref="TranslateStd"/> · H pixels.</param>
public sealed record AugmentationParameters(
    Tensor XFlip, Tensor YFlip, Tensor Scale, Tensor Angle, Tensor Aniso, Tensor AnisoAngle, Tensor TranslateX, Tensor TranslateY)
{
    /// <summary>Log2 standard deviation of the isotropic scale (EDM's scale_std).</summary>
    public const double ScaleStd = 0.2;

    /// <summary>Log2 standard deviation of the anisotropic scale (EDM's aniso_std).</summary>
    public const double AnisoStd = 0.2;

    /// <summary>Probability that the anisotropic scale's axis is rotated (EDM's aniso_rotate_prob).</summary>
    public const double AnisoRotateProbability = 0.5;

    /// <summary>Standard deviation of the translation relative to the image side (EDM's translate_frac_std).</summary>
    public const double TranslateStd = 0.125;

    // held Scalars: see Sampling/Scaled. The integer ones stay int, as the literals they replace were.
    private static readonly Scalar IntZero = 0.ToScalar();
    private static readonly Scalar IntOne = 1.ToScalar();
    private static readonly Scalar IntTwo = 2.ToScalar();
    private static readonly Scalar Pi = Math.PI.ToScalar();
    private static readonly Scalar ScaleStdScalar = ScaleStd.ToScalar();
    private static readonly Scalar AnisoStdScalar = AnisoStd.ToScalar();
    private static readonly Scalar AnisoRotateProbabilityScalar = AnisoRotateProbability.ToScalar();

    /// <summary>No op applied to any of <paramref name="batch"/> samples.</summary>
    public static AugmentationParameters None(long batch, Device device)
    {
        Tensor Zero() => zeros([batch], ScalarType.Float32, device);
        return new(Zero(), Zero(), Zero(), Zero(), Zero(), Zero(), Zero(), Zero());
    }

    /// <summary>
    /// Draws B samples' parameters from <paramref name="generator"/> (on its device), op by op in EDM's order and with its
    /// draws per op: x-flip (coin, apply), y-flip (coin, apply), scale (w, apply), rotation (θ, apply), anisotropic scale
    /// (w, r, apply, rotate-axis), translation (w_x and w_y, apply). Each op is applied with probability p; a switched-off op
    /// draws nothing. The result is on <paramref name="device"/>.
    /// </summary>
    public static AugmentationParameters Draw(AugmentConfig config, long batch, Generator generator, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(generator);
        var on = generator.device;
        using var p = config.P.ToScalar();
        Tensor Uniform() => rand([batch], ScalarType.Float32, on, generator: generator);
        Tensor Normal() => randn([batch], ScalarType.Float32, on, generator: generator);
        Tensor Applied(Tensor value) => where(Uniform() < p, value, zeros_like(value));
        Tensor Flip() => Applied(randint(0, 2, [batch], ScalarType.Float32, on, generator: generator));
        Tensor Angle() => Uniform().mul(IntTwo).sub(IntOne).mul(Pi);

        var none = None(batch, on);
        var xflip = config.Xflip ? Flip() : none.XFlip;
        var yflip = config.Yflip ? Flip() : none.YFlip;
        var scale = config.Scale ? Applied(Normal()) : none.Scale;
        var angle = config.Rotate ? Applied(Angle()) : none.Angle;
        var (aniso, anisoAngle) = (none.Aniso, none.AnisoAngle);
        if (config.Aniso)
        {
            var w = Normal();
            var r = Angle();
            aniso = Applied(w);
            anisoAngle = where(Uniform() < AnisoRotateProbabilityScalar, r, zeros_like(r));
        }
        var (tx, ty) = (none.TranslateX, none.TranslateY);
        if (config.Translate)
        {
            var w = randn([2, batch], ScalarType.Float32, on, generator: generator);
            var apply = Uniform() < p;
            tx = where(apply, w[0], zeros_like(w[0]));
            ty = where(apply, w[1], zeros_like(w[1]));
        }
        return new AugmentationParameters(xflip, yflip, scale, angle, aniso, anisoAngle, tx, ty).To(device);
    }

    /// <summary>The label vector, float [B, 9], laid out as <see cref="AugmentationLabels"/> says.</summary>
    public Tensor Labels() => stack(
    [
        XFlip, YFlip, Scale, cos(Angle).sub(IntOne), sin(Angle), Aniso * cos(AnisoAngle), Aniso * sin(AnisoAngle), TranslateX, TranslateY,
    ], 1);

    /// <summary>
    /// G⁻¹, float [B, 3, 3]: output pixel → input pixel in centred coordinates (<see cref="AffineMatrices"/>), composed in EDM's
    /// order: scale⁻¹ · rotation⁻¹ · anisotropic scale⁻¹ · translation⁻¹. Flips are not in it (they are exact index flips).
    /// </summary>
    public Tensor Inverse(long height, long width)
    {
        var s = Scale.mul(ScaleStdScalar).exp2();
        var a = Aniso.mul(AnisoStdScalar).exp2();
        using var translateX = (-TranslateStd * width).ToScalar();
        using var translateY = (-TranslateStd * height).ToScalar();
        return AffineMatrices.Scale(s.reciprocal(), s.reciprocal())
            .matmul(AffineMatrices.Rotate(Angle))
            .matmul(AffineMatrices.Rotate(AnisoAngle.neg())).matmul(AffineMatrices.Scale(a.reciprocal(), a)).matmul(AffineMatrices.Rotate(AnisoAngle))
            .matmul(AffineMatrices.Translate(TranslateX.mul(translateX), TranslateY.mul(translateY)));
    }

    /// <summary>bool [B]: whether the sample's geometry changes (G⁻¹ ≠ I), i.e. it needs resampling.</summary>
    public Tensor Geometric() =>
        Scale.ne(IntZero).logical_or(sin(Angle).ne(IntZero)).logical_or(cos(Angle).ne(IntOne)).logical_or(Aniso.ne(IntZero)).logical_or(TranslateX.ne(IntZero)).logical_or(TranslateY.ne(IntZero));

    public AugmentationParameters To(Device device) => new(
        XFlip.to(device), YFlip.to(device), Scale.to(device), Angle.to(device), Aniso.to(device), AnisoAngle.to(device), TranslateX.to(device), TranslateY.to(device));
}
