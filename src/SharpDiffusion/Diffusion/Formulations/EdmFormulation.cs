using SharpDiffusion.Config;
using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Diffusion.Formulations;

/// <summary>
/// EDM (Karras et al. 2022, "Elucidating the Design Space of Diffusion-Based Generative Models", Table 1): continuous σ,
/// the denoiser D(x; σ) = c_skip·x + c_out·F(c_in·x; c_noise) with c_skip = σ_d²/(σ² + σ_d²), c_out = σσ_d/√(σ² + σ_d²),
/// c_in = 1/√(σ² + σ_d²), c_noise = ln(σ)/4, trained at ln σ ~ N(P_mean, P_std²) with weight λ(σ) = 1/c_out². The network
/// sees c_in·x_σ, a unit-variance input at every σ, and predicts a unit-variance target; only x is scaled (a super-resolution
/// model's low-resolution image enters unscaled, as conditioning).
/// </summary>
public sealed class EdmFormulation : IFormulation
{
    private readonly EdmConfig config;

    /// <param name="sigmaData">σ_d: <see cref="EdmConfig.SigmaData"/>, or the sample space's when the config leaves it out.</param>
    public EdmFormulation(EdmConfig config, double sigmaData)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!(sigmaData > 0) || double.IsInfinity(sigmaData)) throw new ArgumentOutOfRangeException(nameof(sigmaData), sigmaData, "diffusion.edm.sigma_data must be positive.");
        this.config = config;
        SigmaData = sigmaData;
    }

    public string Name => "edm";

    public double SigmaData { get; }

    public NoiseLevelTable? Table => null;

    public double SigmaMin => config.SigmaMin;

    public double SigmaMax => config.SigmaMax;

    public double Rho => config.Rho;

    /// <summary>A full-length ancestral run (ddpm's default) takes 1,000 Karras levels, as many as a DDPM table has.</summary>
    public int FullSteps => 1000;

    public bool ClipsByDefault => false;

    public string DefaultSampler => "heun";

    public NoiseLevel LevelAt(double sigma) => NoiseLevel.FromSigma(sigma);

    /// <summary>x_σ = σ·n at the first level, which in variance-preserving units is √ᾱ·σ·n = σ/√(1 + σ²)·n.</summary>
    public double PriorScale(NoiseLevel first) => first.Sigma * Math.Sqrt(first.AlphaBar);

    /// <summary>c_skip(σ) = σ_d²/(σ² + σ_d²).</summary>
    public double Skip(double sigma) => SigmaData * SigmaData / (sigma * sigma + SigmaData * SigmaData);

    /// <summary>c_out(σ) = σσ_d/√(σ² + σ_d²).</summary>
    public double Out(double sigma) => sigma * SigmaData / Math.Sqrt(sigma * sigma + SigmaData * SigmaData);

    /// <summary>c_in(σ) = 1/√(σ² + σ_d²).</summary>
    public double In(double sigma) => 1 / Math.Sqrt(sigma * sigma + SigmaData * SigmaData);

    /// <summary>c_noise(σ) = ln(σ)/4.</summary>
    public static double NoiseInput(double sigma) => Math.Log(sigma) / 4;

    public (Tensor Input, Tensor Time) NetworkInputs(Tensor x, NoiseLevel level)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckNoisy(level);
        // x is variance-preserving (x_t = √ᾱ·x_σ), so c_in·x_σ = c_in/√ᾱ·x_t.
        var input = Scaled.By(x, In(level.Sigma) / Math.Sqrt(level.AlphaBar));
        using var time = NoiseInput(level.Sigma).ToScalar();
        return (input, full([x.shape[0]], time, ScalarType.Float32, x.device));
    }

    public Prediction Interpret(Tensor output, Tensor x, NoiseLevel level)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(x);
        CheckNoisy(level);
        // D = c_skip·x_σ + c_out·F with x_σ = x_t/√ᾱ.
        var denoised = Scaled.By(x, Skip(level.Sigma) / Math.Sqrt(level.AlphaBar)).Plus(Scaled.By(output.to(x.dtype), Out(level.Sigma)));
        return new Prediction(PredictionKind.Data, denoised, x, level);
    }

    /// <summary>
    /// EDM's loss (Karras et al. 2022, eq. 8 with Table 1's λ): draws ln σ ~ N(P_mean, P_std²) [B] and then n ~ N(0, I) from
    /// the generator (on its device, then moved to y's), and returns the float32 mean of ‖F(c_in·(y + σn); c_noise) − (y −
    /// c_skip·(y + σn))/c_out‖², which equals λ(σ)·‖D(y + σn; σ) − y‖² with λ = 1/c_out² (eq. 7's effective target, §5).
    /// </summary>
    public Tensor TrainingLoss(Func<Tensor, Tensor, Tensor> network, Tensor x0, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        long batch = x0.shape[0];
        var logSigma = randn([batch], dtype: ScalarType.Float32, device: generator.device, generator: generator).to(x0.device);
        var noise = randn(x0.shape, dtype: ScalarType.Float32, device: generator.device, generator: generator).to(x0.dtype, x0.device);
        var y = x0.to(ScalarType.Float32);
        // Every tensor-scalar product goes through Scaled.By, and the added constants are held, so no temporary Scalar is
        // finalised mid-call in a long training loop (Sampling/Scaled.cs).
        using var pMean = config.PMean.ToScalar();
        using var variance = (SigmaData * SigmaData).ToScalar();
        var sigma = Scaled.By(logSigma, config.PStd).Plus(pMean).exp();
        var perSample = sigma.reshape([batch, .. Enumerable.Repeat(1L, (int)x0.dim() - 1)]);
        var total = perSample.square().Plus(variance);   // σ² + σ_d²
        var cIn = total.rsqrt();
        var cSkip = total.reciprocal().mul(variance);
        var cOut = Scaled.By(perSample * cIn, SigmaData);
        var noisy = y.Plus(perSample * noise.to(ScalarType.Float32));
        var output = network(noisy * cIn, Scaled.By(sigma.log(), 0.25)).to(ScalarType.Float32);
        var target = (y - cSkip * noisy) / cOut;
        return (output - target).square().mean().MoveToOuterDisposeScope();
    }

    private static void CheckNoisy(NoiseLevel level)
    {
        if (!(level.Sigma > 0)) throw new ArgumentException($"EDM's denoiser is evaluated at σ > 0; got {level}.", nameof(level));
    }
}
