using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training.Fused;

/// <summary>
/// Global L2-norm gradient clipping that never reads a value back to the host: the norm, the scale and the finiteness flag stay
/// 0-dim tensors on the device. Same rule as torch.nn.utils.clip_grad_norm_: g ← g · min(1, max_norm / (‖g‖ + 1e-6)).
/// </summary>
public static class DeviceGradientClip
{
    // held Scalars: see Scaled
    private static readonly Scalar NormEpsilon = 1e-6.ToScalar();
    private static readonly Scalar ZeroGradient = 0.ToScalar();

    /// <summary>
    /// Scales the gradient buffers in place and returns a 0-dim bool tensor: whether the total norm was finite. When it was not,
    /// every gradient is set to 0 (not NaN), so an update that multiplies by the flag can leave its state exactly unchanged.
    /// <paramref name="maxNorm"/> ≤ 0 or ∞ means no clipping (the flag is still computed).
    /// </summary>
    public static Tensor Clip(IReadOnlyList<Tensor> gradients, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        using var scope = NewDisposeScope();
        // One reduction per buffer; with several buffers the total is the norm of their norms, as clip_grad_norm_ does.
        var norms = gradients.Select(g => linalg.vector_norm(g, 2).to(ScalarType.Float32)).ToArray();
        var total = norms.Length == 1 ? norms[0] : linalg.vector_norm(stack(norms), 2);
        var finite = isfinite(total);
        var bad = finite.logical_not();
        bool clip = maxNorm > 0 && double.IsFinite(maxNorm);
        // 0 on a non-finite step; there the buffers are also zero-filled below, so 0·NaN never reaches them.
        using var limit = maxNorm.ToScalar();
        var scale = clip ? where(finite, total.Plus(NormEpsilon).reciprocal().mul_(limit).clamp_max_(Scaled.One), zeros_like(total)) : null;
        foreach (var g in gradients)
        {
            g.masked_fill_(bad.to(g.device), ZeroGradient);
            if (scale is not null) g.mul_(scale.to(g.dtype));
        }
        return finite.MoveToOuterDisposeScope();
    }
}
