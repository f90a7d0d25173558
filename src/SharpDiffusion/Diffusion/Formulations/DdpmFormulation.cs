using SharpDiffusion.Config;
using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Diffusion.Formulations;

/// <summary>
/// DDPM (Ho et al. 2020) as a formulation: the network sees x_t itself and the timestep of <see cref="GaussianDiffusion"/>'s
/// table, predicts ε, x₀ or v (<c>diffusion.objective</c>) and trains on the simple loss. At a table level everything goes
/// through <see cref="GaussianDiffusion"/> exactly as before the noise-level contract (gathered float32 coefficients, int64
/// time), so an ε-model's results are bitwise those of the timestep code (bench/proofs/noise-levels); x₀- and v-models hand
/// the sampler their x̂₀ natively (issue 22 step 4, a deliberate change). Between entries the network gets a float time and
/// the level's own coefficients.
/// </summary>
public sealed class DdpmFormulation : IFormulation
{
    /// <summary>Karras et al.'s ρ, used when a Karras spacing is laid over the table.</summary>
    private const double KarrasRho = 7;

    public DdpmFormulation(GaussianDiffusion diffusion)
    {
        ArgumentNullException.ThrowIfNull(diffusion);
        Diffusion = diffusion;
        Table = new NoiseLevelTable(diffusion.Schedule);
    }

    public string Name => "ddpm";

    public GaussianDiffusion Diffusion { get; }

    public NoiseLevelTable Table { get; }

    NoiseLevelTable? IFormulation.Table => Table;

    public double SigmaMin => Table.SigmaMin;

    public double SigmaMax => Table.SigmaMax;

    public double Rho => KarrasRho;

    public int FullSteps => Table.Count;

    public bool ClipsByDefault => true;

    public string DefaultSampler => "ddim";

    public NoiseLevel LevelAt(double sigma) => Table.LevelAt(sigma);

    public double PriorScale(NoiseLevel first) => 1;

    public (Tensor Input, Tensor Time) NetworkInputs(Tensor x, NoiseLevel level)
    {
        ArgumentNullException.ThrowIfNull(x);
        long batch = x.shape[0];
        if (Table.Holds(level, out int t)) return (x.alias(), TableTime(x, t));
        using var between = Table.TimeOf(level.Sigma).ToScalar(); // held until the native call returns (Sampling/Scaled.cs says why)
        return (x.alias(), full([batch], between, ScalarType.Float32, x.device));
    }

    public Prediction Interpret(Tensor output, Tensor x, NoiseLevel level)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(x);
        var (eps, x0) = Table.Holds(level, out int t)
            ? Diffusion.Interpret(output, x, TableTime(x, t))
            : Diffusion.Interpret(output, x, level);
        // The model's native prediction reaches the sampler as it is: ε̂ for an ε-model; x̂₀ for an x₀-model, and for a v-model
        // x̂₀ = √ᾱ·x_t − √(1−ᾱ)·v, which divides by nothing. Rebuilding x̂₀ from ε̂ instead (x_t/√ᾱ − ε̂·√((1−ᾱ)/ᾱ)) cancels two
        // terms of size 1/√ᾱ ≈ 2·10⁴ at t = T − 1 of the cosine schedule, where float32 keeps ~10⁻³ of x̂₀.
        return Diffusion.Objective == Objective.Eps
            ? new Prediction(PredictionKind.Noise, eps, x, level)
            : new Prediction(PredictionKind.Data, x0, x, level);
    }

    public Tensor TrainingLoss(Func<Tensor, Tensor, Tensor> network, Tensor x0, Generator generator) => Diffusion.TrainingLoss(network, x0, generator);

    /// <summary>The table entry t for each of x's B samples, [B] int64 (its Scalar held: Sampling/Scaled.cs says why).</summary>
    private static Tensor TableTime(Tensor x, int t)
    {
        using var entry = t.ToScalar();
        return full([x.shape[0]], entry, ScalarType.Int64, x.device);
    }
}
