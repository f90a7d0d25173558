using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>Adapters from networks to <see cref="Denoiser"/>; samplers never see a network directly.</summary>
public static class Denoisers
{
    /// <summary>Adapts a raw network of any objective (ε, x_0 or v) to an ε-predicting denoiser.</summary>
    public static Denoiser FromModel(Func<Tensor, Tensor, Tensor> network, GaussianDiffusion diffusion)
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
    /// and the unconditional branch evaluated in one batched forward of 2B samples. w = 0 is the plain conditional model.
    /// </summary>
    /// <param name="conditionalNetwork">network(x, t, labels) in any objective; labels are int64 [B].</param>
    /// <param name="labels">The class of each sample, int64 [B].</param>
    /// <param name="nullLabel">The label the network was trained with for "no class" (label dropout).</param>
    /// <param name="w">Guidance weight, ≥ 0.</param>
    public static Denoiser Guided(Func<Tensor, Tensor, Tensor, Tensor> conditionalNetwork, GaussianDiffusion diffusion, Tensor labels, long nullLabel, double w)
    {
        ArgumentNullException.ThrowIfNull(conditionalNetwork);
        ArgumentNullException.ThrowIfNull(diffusion);
        ArgumentNullException.ThrowIfNull(labels);
        if (!(w >= 0) || double.IsInfinity(w))
            throw new ArgumentOutOfRangeException(nameof(w), w, "The guidance weight must be a finite number ≥ 0.");
        if (labels.dim() != 1 || labels.dtype != ScalarType.Int64)
            throw new ArgumentException($"Labels must be an int64 tensor [B]; got {labels.dtype} [{string.Join(", ", labels.shape)}].", nameof(labels));
        return (xt, t) =>
        {
            if (xt.shape[0] != labels.shape[0])
                throw new ArgumentException($"The guided denoiser was built for {labels.shape[0]} labels but got a batch of {xt.shape[0]}; pass one label per sample.", nameof(xt));
            using var scope = NewDisposeScope();
            var onDevice = labels.to(xt.device);
            var bothLabels = cat([onDevice, full_like(onDevice, nullLabel)], 0);
            var bothX = cat([xt, xt], 0);
            var bothT = cat([t, t], 0);
            var (eps, _) = diffusion.Interpret(conditionalNetwork(bothX, bothT, bothLabels), bothX, bothT);
            var halves = eps.chunk(2, 0);
            var guided = Scaled.By(halves[0], 1 + w) - Scaled.By(halves[1], w);
            return guided.MoveToOuterDisposeScope();
        };
    }
}
