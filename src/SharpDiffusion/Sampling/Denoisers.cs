using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>Adapters from networks to <see cref="Denoiser"/>; samplers never see a network directly.</summary>
public static class Denoisers
{
    /// <summary>A network F(input, time) read through its formulation (preconditioning, objective).</summary>
    public static Denoiser FromModel(Func<Tensor, Tensor, Tensor> network, IFormulation formulation)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(formulation);
        return (x, level) =>
        {
            var (input, time) = formulation.NetworkInputs(x, level);
            return formulation.Interpret(network(input, time), x, level);
        };
    }

    /// <summary>
    /// Classifier-free guidance (Ho &amp; Salimans 2022, eq. 6): (1 + w)·p(x, c) − w·p(x, ∅) (<see cref="Prediction.Extrapolate"/>),
    /// with the conditional and the unconditional branch evaluated in one batched forward of 2B samples. ∅ is the condition's
    /// own unconditional form (<see cref="Conditioning.AsUnconditional"/>), so any kind of condition can be guided. w = 0 is
    /// the plain conditional model.
    /// </summary>
    /// <param name="conditionalNetwork">network(input, time, conditioning).</param>
    /// <param name="condition">The condition of each of the B samples.</param>
    /// <param name="w">Guidance weight, ≥ 0.</param>
    public static Denoiser Guided(Func<Tensor, Tensor, Conditioning, Tensor> conditionalNetwork, IFormulation formulation, Conditioning condition, double w)
    {
        ArgumentNullException.ThrowIfNull(conditionalNetwork);
        ArgumentNullException.ThrowIfNull(formulation);
        ArgumentNullException.ThrowIfNull(condition);
        if (!(w >= 0) || double.IsInfinity(w))
            throw new ArgumentOutOfRangeException(nameof(w), w, "The guidance weight must be a finite number ≥ 0.");
        if (condition.BatchSize is not long count)
            throw new ArgumentException("Guidance needs a condition to guide towards; this one is empty.", nameof(condition));
        return (x, level) =>
        {
            if (x.shape[0] != count)
                throw new ArgumentException($"The guided denoiser was built for {count} conditions but got a batch of {x.shape[0]}; pass one condition per sample.", nameof(x));
            var onDevice = condition.To(x.device);
            var both = Conditioning.Cat(onDevice, onDevice.AsUnconditional());
            var bothX = cat([x, x], 0);
            var (input, time) = formulation.NetworkInputs(bothX, level);
            var prediction = formulation.Interpret(conditionalNetwork(input, time, both), bothX, level);
            var halves = prediction.Value.chunk(2, 0);
            return Prediction.Extrapolate(prediction with { Value = halves[0], X = x }, prediction with { Value = halves[1], X = x }, w);
        };
    }
}
