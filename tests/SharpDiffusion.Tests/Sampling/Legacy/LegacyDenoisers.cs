// Copied from src/SharpDiffusion/Sampling/Denoisers.cs at 8b02e6c as the oracle for issue 22's contract refactor; do not
// edit. Renamed with a Legacy prefix; Interpret is LegacyGaussianDiffusion's.
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>Adapters from networks to <see cref="LegacyDenoiser"/>; samplers never see a network directly.</summary>
internal static class LegacyDenoisers
{
    /// <summary>Adapts a raw network of any objective (ε, x_0 or v) to an ε-predicting denoiser.</summary>
    public static LegacyDenoiser FromModel(Func<Tensor, Tensor, Tensor> network, LegacyGaussianDiffusion diffusion)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(diffusion);
        return (xt, t) =>
        {
            using var scope = NewDisposeScope();
            var (eps, _) = diffusion.Interpret(network(xt, t), xt, t);
            return eps.MoveToOuterDisposeScope();
        };
    }

    /// <summary>
    /// Classifier-free guidance (Ho &amp; Salimans 2022, eq. 6): ε̃ = (1 + w)·ε(x, c) − w·ε(x, ∅), with the conditional
    /// and the unconditional branch evaluated in one batched forward of 2B samples.
    /// </summary>
    public static LegacyDenoiser Guided(Func<Tensor, Tensor, Conditioning, Tensor> conditionalNetwork, LegacyGaussianDiffusion diffusion, Conditioning condition, double w)
    {
        ArgumentNullException.ThrowIfNull(conditionalNetwork);
        ArgumentNullException.ThrowIfNull(diffusion);
        ArgumentNullException.ThrowIfNull(condition);
        if (!(w >= 0) || double.IsInfinity(w))
            throw new ArgumentOutOfRangeException(nameof(w), w, "The guidance weight must be a finite number ≥ 0.");
        if (condition.BatchSize is not long count)
            throw new ArgumentException("Guidance needs a condition to guide towards; this one is empty.", nameof(condition));
        return (xt, t) =>
        {
            if (xt.shape[0] != count)
                throw new ArgumentException($"The guided denoiser was built for {count} conditions but got a batch of {xt.shape[0]}; pass one condition per sample.", nameof(xt));
            using var scope = NewDisposeScope();
            var onDevice = condition.To(xt.device);
            var both = Conditioning.Cat(onDevice, onDevice.AsUnconditional());
            var bothX = cat([xt, xt], 0);
            var bothT = cat([t, t], 0);
            var (eps, _) = diffusion.Interpret(conditionalNetwork(bothX, bothT, both), bothX, bothT);
            var halves = eps.chunk(2, 0);
            var guided = Scaled.By(halves[0], 1 + w) - Scaled.By(halves[1], w);
            return guided.MoveToOuterDisposeScope();
        };
    }
}
