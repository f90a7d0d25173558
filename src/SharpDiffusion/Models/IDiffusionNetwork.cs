using static TorchSharp.torch;

namespace SharpDiffusion.Models;

/// <summary>
/// The contract between a model family and the rest: training calls it on (x_t, t, conditioning), sampling asks it what to
/// start from and whether its data lives in [−1, 1]. The output is in the network's objective (ε, x₀ or v).
/// </summary>
public interface IDiffusionNetwork
{
    /// <param name="xt">Noisy samples [B, <see cref="SampleShape"/>].</param>
    /// <param name="t">Timesteps, int64 [B], in [0, T).</param>
    /// <param name="conditioning">What each sample is conditioned on; only kinds in <see cref="Accepts"/>.</param>
    Tensor forward(Tensor xt, Tensor t, Conditioning conditioning);

    /// <summary>What this network is conditioned on.</summary>
    ConditioningSpec Accepts { get; }

    /// <summary>Shape of one sample, [C, H, W] (x_T is drawn in it).</summary>
    long[] SampleShape { get; }

    /// <summary>
    /// Whether sampling clips x̂₀ to [−1, 1] at every step and clamps the result: right for images in pixel space (the
    /// reference's behaviour), wrong for latents, whose range is not [−1, 1].
    /// </summary>
    bool ClipDenoised { get; }
}
