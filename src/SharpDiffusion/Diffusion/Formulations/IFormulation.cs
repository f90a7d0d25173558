using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Diffusion.Formulations;

/// <summary>
/// How a model family's network is trained and read at a noise level: the only place preconditioning is written. A
/// formulation turns a network F(input, time) into a <see cref="Denoiser"/> (what enters F at a level and what its output
/// means), draws the training noise levels and weights the loss, and says which levels exist: a table of T entries (DDPM)
/// or a continuous σ range (EDM). Samplers and spacings see only <see cref="NoiseLevel"/>s.
/// </summary>
public interface IFormulation
{
    /// <summary>The registry name (<see cref="Formulations.All"/>), as <c>diffusion.formulation</c> spells it.</summary>
    string Name { get; }

    /// <summary>The discrete levels the model was trained on; null for a continuous formulation.</summary>
    NoiseLevelTable? Table { get; }

    /// <summary>The σ range a continuous spacing (Karras, log-SNR) covers, and Karras' ρ.</summary>
    double SigmaMin { get; }

    double SigmaMax { get; }

    double Rho { get; }

    /// <summary>Steps of the full-length sampler (ddpm's default): T for a table, EDM's reference 1,000 otherwise.</summary>
    int FullSteps { get; }

    /// <summary>Whether samplers clip x̂₀ of a pixel model to [−1, 1] unless told otherwise (DDPM's reference does; EDM never does).</summary>
    bool ClipsByDefault { get; }

    /// <summary>The sampler a run of this formulation uses when none is named (its training grid included).</summary>
    string DefaultSampler { get; }

    /// <summary>The level of σ (on a table: the entry, or log-σ-interpolated time between entries).</summary>
    NoiseLevel LevelAt(double sigma);

    /// <summary>
    /// x at the first level from a standard normal n: x = scale·n in variance-preserving units. DDPM starts from n itself
    /// (scale 1, nothing multiplied); EDM from x_σ = σ_max·n, i.e. scale σ/√(1+σ²).
    /// </summary>
    double PriorScale(NoiseLevel first);

    /// <summary>What the network is called with at <paramref name="level"/>: (input, time [B]) from x [B, …].</summary>
    (Tensor Input, Tensor Time) NetworkInputs(Tensor x, NoiseLevel level);

    /// <summary>The network's output at (x, level) read as a <see cref="Prediction"/> (native form, not yet in x's dtype).</summary>
    Prediction Interpret(Tensor output, Tensor x, NoiseLevel level);

    /// <summary>
    /// One Monte-Carlo estimate of the training loss on the batch x₀, float32, drawing its noise levels and noise from
    /// <paramref name="generator"/> in a fixed order; network(input, time) is the model with its conditioning bound.
    /// </summary>
    Tensor TrainingLoss(Func<Tensor, Tensor, Tensor> network, Tensor x0, Generator generator);
}
