using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Models.Perceptual;

/// <summary>
/// A feature distance in the form of LPIPS (Zhang et al. 2018, eq. 1) with every channel weight 1 instead of LPIPS's
/// calibrated linear heads, on the frozen ImageNet ResNet-18 (<see cref="ImageNetResNet18"/>): for each residual block l,
/// unit-normalise φ_l(x) and φ_l(y) over channels at every position, take the spatial mean of their squared difference
/// summed over channels, and average over the blocks. d(x, x) = 0 and d ≤ 4 (two unit vectors are at most 2 apart). The mean
/// over blocks, not LPIPS's sum, keeps d near LPIPS's range without its small learned weights, so perceptual_weight 1 does
/// not drown the pixel term. It is not LPIPS: no human-judgement calibration, and another network (docs/autoencoder.md).
/// </summary>
public sealed class PerceptualDistance(ImageNetResNet18 network) : IDisposable
{
    // held Scalars: see Sampling/Scaled.
    private static readonly Scalar NormFloor = 1e-10.ToScalar();
    private static readonly Scalar PixelScale = 127.5.ToScalar();

    private readonly ImageNetResNet18 _network = network ?? throw new ArgumentNullException(nameof(network));

    /// <summary>d(x, y) per image [B] for images [B, C, H, W] in [−1, 1] (one channel is repeated to three); differentiable in both.</summary>
    public Tensor Distance(Tensor x, Tensor y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        using var scope = NewDisposeScope();
        long batch = x.shape[0];
        // One pass over [x; y]: the same network cost, half the calls.
        var features = _network.BlockActivations(Pixels(cat([x, y], 0)));
        var total = zeros([batch], x.dtype, x.device);
        foreach (var f in features)
        {
            var unit = f / f.square().sum(1, keepdim: true).sqrt().Plus(NormFloor);
            var parts = unit.chunk(2, 0);
            total = total.Plus((parts[0] - parts[1]).square().sum(1).mean([1, 2]));
        }
        using var blocks = features.Count.ToScalar();
        return total.div(blocks).MoveToOuterDisposeScope();
    }

    /// <summary>[−1, 1] → the network's 0–255 RGB.</summary>
    private static Tensor Pixels(Tensor images)
    {
        var rgb = images.shape[1] == 1 ? images.expand(-1, 3, -1, -1) : images;
        return rgb.Plus(Scaled.One).mul(PixelScale);
    }

    public void Dispose() => _network.Dispose();
}
