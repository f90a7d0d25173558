using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models;

/// <summary>
/// The low-resolution condition of a super-resolution stage (Ho et al. 2021, CDM §3, "noise conditioning augmentation").
/// Training makes it from the high-resolution batch: the project's antialiased downscale (<see cref="TensorResampler"/>),
/// then q_sample at a level s drawn per sample from [0, s_max] on its own continuous cosine schedule
/// ᾱ(s) = cos²((s + 0.008)/1.008 · π/2) / cos²(0.008/1.008 · π/2) (Nichol &amp; Dhariwal 2021, eq. 17 with t/T = s), so
/// s = 0 is the clean image and s = 1 pure noise. Sampling noises the given image at one fixed level, so the network sees
/// the same kind of input it was trained on.
/// </summary>
public sealed class NoiseConditioningAugmentation(SuperResolutionConfig config, int outputSize)
{
    private const double Offset = 0.008;

    // held Scalars: see Sampling/Scaled. The integer ones stay int, as the literals they replace were.
    private static readonly Scalar OffsetScalar = Offset.ToScalar();
    private static readonly Scalar OffsetSpan = (1 + Offset).ToScalar();
    private static readonly Scalar HalfPi = (Math.PI / 2).ToScalar();
    private static readonly Scalar AlphaBarAtZero = Math.Pow(Math.Cos(Offset / (1 + Offset) * Math.PI / 2), 2).ToScalar();
    private static readonly Scalar IntZero = 0.ToScalar();
    private static readonly Scalar IntOne = 1.ToScalar();

    public SuperResolutionConfig Config { get; } = config ?? throw new ArgumentNullException(nameof(config));

    public int InputSize => Config.InputSize;

    public int OutputSize { get; } = outputSize;

    /// <summary>Output side over input side.</summary>
    public int Factor => OutputSize / InputSize;

    /// <summary>ᾱ(s) of the augmentation schedule.</summary>
    public static double AlphaBar(double s)
    {
        static double F(double u) => Math.Pow(Math.Cos((u + Offset) / (1 + Offset) * Math.PI / 2), 2);
        return Math.Clamp(F(s) / F(0), 0, 1);
    }

    /// <summary>The antialiased downscale by <see cref="Factor"/>: float [B, C, H, W] → [B, C, H/f, W/f].</summary>
    public Tensor Downscale(Tensor highResolution)
    {
        ArgumentNullException.ThrowIfNull(highResolution);
        return TensorResampler.Resize(highResolution, (int)highResolution.shape[2] / Factor, (int)highResolution.shape[3] / Factor);
    }

    /// <summary>q_sample of <paramref name="lowResolution"/> at levels <paramref name="levels"/> (float [B]): √ᾱ(s)·y + √(1 − ᾱ(s))·ε.</summary>
    public static Tensor Noise(Tensor lowResolution, Tensor levels, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(lowResolution);
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(noise);
        using var scope = NewDisposeScope();
        // ᾱ(s) in closed form on the device: cos² of the shifted level, normalised by its value at s = 0.
        var angle = levels.to(ScalarType.Float64).Plus(OffsetScalar).div(OffsetSpan).mul(HalfPi);
        var alphaBar = cos(angle).square().div(AlphaBarAtZero).clamp(IntZero, IntOne);
        var shape = new long[] { -1, 1, 1, 1 };
        var signal = alphaBar.sqrt().to(lowResolution.dtype).view(shape);
        var spread = alphaBar.neg().Plus(IntOne).clamp_min(IntZero).sqrt().to(lowResolution.dtype).view(shape);
        return (signal * lowResolution).Plus(spread * noise).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// A training pair from a batch of high-resolution images in [−1, 1]: x₀ (a random crop when crop_size is set, else the
    /// batch) and its condition. Draws, from <paramref name="generator"/> in this order: the crop offsets (B × 2 integers, when
    /// cropping), the levels s ~ U[0, s_max] (B), the blur σ ~ U[0, blur_sigma_max] (B, only when blur_sigma_max &gt; 0: the low
    /// image is blurred before it is noised, <see cref="GaussianBlur"/>), then the augmentation noise.
    /// </summary>
    public (Tensor HighResolution, Conditioning Condition) ForTraining(Tensor highResolution, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(highResolution);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        long batch = highResolution.shape[0];
        var x0 = Config.CropSize > 0 && Config.CropSize < highResolution.shape[2] ? RandomCrop(highResolution, generator) : highResolution.alias();
        var low = Downscale(x0);
        var drawDevice = generator.device;
        using var augmentationMax = Config.AugmentationMax.ToScalar();
        var levels = rand([batch], ScalarType.Float32, drawDevice, generator: generator).mul(augmentationMax).to(x0.device);
        if (Config.BlurSigmaMax > 0)
        {
            using var blurSigmaMax = Config.BlurSigmaMax.ToScalar();
            var sigmas = rand([batch], ScalarType.Float32, drawDevice, generator: generator).mul(blurSigmaMax);
            low = GaussianBlur.Apply(low, sigmas, GaussianBlur.Radius(Config.BlurSigmaMax));
        }
        var noise = randn(low.shape, ScalarType.Float32, drawDevice, generator: generator).to(x0.device);
        var condition = new Conditioning { LowResolution = Noise(low, levels, noise).MoveToOuterDisposeScope(), AugmentationLevel = levels.MoveToOuterDisposeScope() };
        return (x0.MoveToOuterDisposeScope(), condition);
    }

    /// <summary>The sampling condition of low-resolution images in [−1, 1]: noised at the fixed <paramref name="level"/> with <paramref name="noise"/>.</summary>
    public static Conditioning ForSampling(Tensor lowResolution, double level, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(lowResolution);
        if (level is < 0 or > 1 || double.IsNaN(level))
            throw new ArgumentOutOfRangeException(nameof(level), level, $"the augmentation level ({level}) must be in [0, 1]; 0.2 is the usual choice.");
        using var scope = NewDisposeScope();
        using var levelScalar = level.ToScalar();
        var levels = full([lowResolution.shape[0]], levelScalar, ScalarType.Float32, lowResolution.device);
        var noised = Noise(lowResolution, levels, noise);
        return new Conditioning { LowResolution = noised.MoveToOuterDisposeScope(), AugmentationLevel = levels.MoveToOuterDisposeScope() };
    }

    /// <summary>One crop per sample at offsets on the low-resolution grid (multiples of <see cref="Factor"/>), so its downscale is aligned.</summary>
    private Tensor RandomCrop(Tensor images, Generator generator)
    {
        long batch = images.shape[0];
        int size = Config.CropSize, positions = ((int)images.shape[2] - size) / Factor + 1;
        using var factor = Factor.ToScalar();
        using var offsets = randint(0, positions, [batch, 2], ScalarType.Int64, generator.device, generator: generator).mul(factor).cpu();
        var crops = new Tensor[batch];
        for (int i = 0; i < batch; i++)
            crops[i] = images[i].narrow(1, offsets[i, 0].item<long>(), size).narrow(2, offsets[i, 1].item<long>(), size);
        return stack(crops, 0);
    }
}
