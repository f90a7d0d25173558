using System.Collections.Concurrent;
using SharpDiffusion.Config;
using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Diffusion;

/// <summary>
/// The forward process q(x_t | x_0), its posterior and the training objective (Ho et al. 2020).
/// Timesteps are int64 tensors [B] with values in 0 … T−1. The only state besides the immutable schedule is a
/// cache of float32 coefficient tables per device, which never changes a result.
/// </summary>
public sealed class GaussianDiffusion
{
    private readonly ConcurrentDictionary<(DeviceType Type, int Index), ScheduleTables> tables = new();

    public GaussianDiffusion(DiffusionConfig config)
        : this(NoiseSchedule.Create(config), (config ?? throw new ArgumentNullException(nameof(config))).Objective, config.MinSnrGamma)
    {
    }

    /// <param name="minSnrGamma">γ of Min-SNR-γ loss weighting; 0 for the plain loss.</param>
    public GaussianDiffusion(NoiseSchedule schedule, Objective objective, double minSnrGamma = 0)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (!Enum.IsDefined(objective))
            throw new ArgumentOutOfRangeException(nameof(objective), objective, "Unknown diffusion.objective; use eps, x0 or v.");
        if (!(minSnrGamma >= 0) || double.IsInfinity(minSnrGamma))
            throw new ArgumentOutOfRangeException(nameof(minSnrGamma), minSnrGamma, "diffusion.min_snr_gamma must be 0 (off) or positive.");
        Schedule = schedule;
        Objective = objective;
        MinSnrGamma = minSnrGamma;
    }

    public NoiseSchedule Schedule { get; }

    public Objective Objective { get; }

    public double MinSnrGamma { get; }

    /// <summary>x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε (Ho et al. 2020, eq. 4).</summary>
    public Tensor QSample(Tensor x0, Tensor t, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(noise);
        CheckTimesteps(t, x0);
        using var scope = NewDisposeScope();
        var tab = TablesFor(x0.device);
        var xt = (ScheduleTables.Gather(tab.SqrtAlphaBar, t, x0) * x0).Plus(ScheduleTables.Gather(tab.SqrtOneMinusAlphaBar, t, x0) * noise);
        return xt.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Mean and variance of q(x_{t−1} | x_t, x_0) (Ho et al. 2020, eqs. 6–7). The variance has shape [B, 1, …, 1]
    /// so that it broadcasts against x; at t = 0 it is 0 and the mean is x_0.
    /// </summary>
    public (Tensor Mean, Tensor Variance) Posterior(Tensor x0, Tensor xt, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(xt);
        CheckTimesteps(t, xt);
        using var scope = NewDisposeScope();
        var tab = TablesFor(xt.device);
        var mean = (ScheduleTables.Gather(tab.PosteriorCoefX0, t, xt) * x0).Plus(ScheduleTables.Gather(tab.PosteriorCoefXt, t, xt) * xt);
        var variance = ScheduleTables.Gather(tab.PosteriorVariance, t, xt);
        return (mean.MoveToOuterDisposeScope(), variance.MoveToOuterDisposeScope());
    }

    /// <summary>What the network is trained to output: ε, x_0, or v = √ᾱ_t ε − √(1−ᾱ_t) x_0 (Salimans &amp; Ho 2022, §4).</summary>
    public Tensor Target(Tensor x0, Tensor noise, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(noise);
        CheckTimesteps(t, x0);
        switch (Objective)
        {
            case Objective.Eps: return noise.alias();
            case Objective.X0: return x0.alias();
            default:
                using (var scope = NewDisposeScope())
                {
                    var tab = TablesFor(x0.device);
                    var v = ScheduleTables.Gather(tab.SqrtAlphaBar, t, x0) * noise - ScheduleTables.Gather(tab.SqrtOneMinusAlphaBar, t, x0) * x0;
                    return v.MoveToOuterDisposeScope();
                }
        }
    }

    /// <summary>
    /// One Monte-Carlo estimate of the simple loss (Ho et al. 2020, eq. 14, with the target chosen by the objective):
    /// draws t ~ U{0 … T−1} [B] and then ε ~ N(0, I) from <paramref name="generator"/> (on the generator's device,
    /// then moved to x_0's), calls model(x_t, t) and returns the mean squared error in float32, each sample's error weighted
    /// by <see cref="LossWeight"/> when Min-SNR-γ is on (otherwise unweighted).
    /// </summary>
    public Tensor TrainingLoss(Func<Tensor, Tensor, Tensor> model, Tensor x0, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentNullException.ThrowIfNull(generator);
        using var scope = NewDisposeScope();
        long batch = x0.shape[0];
        var t = randint(0, Schedule.Timesteps, [batch], dtype: ScalarType.Int64, device: generator.device, generator: generator).to(x0.device);
        var noise = randn(x0.shape, dtype: ScalarType.Float32, device: generator.device, generator: generator).to(x0.dtype, x0.device);
        var xt = QSample(x0, t, noise);
        var prediction = model(xt, t);
        var target = Target(x0, noise, t);
        var error = (prediction.to(ScalarType.Float32) - target.to(ScalarType.Float32)).square();
        var loss = MinSnrGamma > 0 ? (error.flatten(1).mean([1]) * LossWeight(t)).mean() : error.mean();
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Min-SNR-γ weight per sample [B] for this objective (Hang et al. 2023, §3.4). Since ‖ε̂−ε‖² = SNR·‖x̂_0−x_0‖² and
    /// ‖v̂−v‖² = (SNR+1)·‖x̂_0−x_0‖², weighting the x_0 error by min(SNR, γ) means multiplying the objective's own
    /// error by ε: min(SNR, γ)/SNR = min(1, γ/SNR); x_0: min(SNR, γ); v: min(SNR, γ)/(SNR + 1).
    /// </summary>
    public Tensor LossWeight(Tensor t)
    {
        if (!(MinSnrGamma > 0)) throw new InvalidOperationException("Min-SNR weighting is off (diffusion.min_snr_gamma = 0).");
        using var scope = NewDisposeScope();
        var snr = TablesFor(t.device).Snr.index_select(0, t);
        using var gamma = MinSnrGamma.ToScalar(); // held Scalars: Sampling/Scaled.cs says why
        var weight = Objective switch
        {
            Objective.Eps => snr.reciprocal().mul(gamma).clamp_max(Scaled.One), // = min(SNR, γ)/SNR, without 0/0 where SNR → 0
            Objective.X0 => snr.clamp_max(gamma),
            _ => snr.clamp_max(gamma) / snr.Plus(UnitSnr),
        };
        return weight.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Converts a network output to (ε̂, x̂_0) for this objective, using x_t = √ᾱ x_0 + √(1−ᾱ) ε
    /// (and for v: x̂_0 = √ᾱ x_t − √(1−ᾱ) v, ε̂ = √(1−ᾱ) x_t + √ᾱ v). Nothing is clipped.
    /// </summary>
    public (Tensor Eps, Tensor X0) Interpret(Tensor modelOutput, Tensor xt, Tensor t)
    {
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(xt);
        CheckTimesteps(t, xt);
        using var scope = NewDisposeScope();
        var tab = TablesFor(xt.device);
        var (eps, x0) = Interpret(modelOutput, xt, ScheduleTables.Gather(tab.SqrtAlphaBar, t, xt), ScheduleTables.Gather(tab.SqrtOneMinusAlphaBar, t, xt));
        return (eps.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// <see cref="Interpret(Tensor, Tensor, Tensor)"/> at a level between table entries (a Karras σ, a churned σ): √ᾱ and
    /// √(1−ᾱ) are the level's own, rounded to float32 as the gathered tables are.
    /// </summary>
    public (Tensor Eps, Tensor X0) Interpret(Tensor modelOutput, Tensor xt, NoiseLevel level)
    {
        ArgumentNullException.ThrowIfNull(modelOutput);
        ArgumentNullException.ThrowIfNull(xt);
        using var scope = NewDisposeScope();
        var shape = new long[xt.dim()];
        Array.Fill(shape, 1L);
        shape[0] = xt.shape[0];
        // Scalars held until the native calls return (Sampling/Scaled.cs says why).
        using var sqrtAlphaBar = ((float)Math.Sqrt(level.AlphaBar)).ToScalar();
        using var sqrtOneMinusAlphaBar = ((float)Math.Sqrt(1 - level.AlphaBar)).ToScalar();
        var a = full(shape, sqrtAlphaBar, ScalarType.Float32, xt.device).to(xt.dtype);
        var s = full(shape, sqrtOneMinusAlphaBar, ScalarType.Float32, xt.device).to(xt.dtype);
        var (eps, x0) = Interpret(modelOutput, xt, a, s);
        return (eps.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }

    /// <summary>(ε̂, x̂₀) from an output in this objective, with a = √ᾱ and s = √(1−ᾱ) broadcastable against x_t.</summary>
    private (Tensor Eps, Tensor X0) Interpret(Tensor modelOutput, Tensor xt, Tensor a, Tensor s) => Objective switch
    {
        Objective.Eps => (modelOutput.alias(), (xt - s * modelOutput) / a),
        Objective.X0 => ((xt - a * modelOutput) / s, modelOutput.alias()),
        _ => ((s * xt).Plus(a * modelOutput), a * xt - s * modelOutput),
    };

    /// <summary>The 1 of v's weight min(SNR, γ)/(SNR + 1), an int as the literal was (held: Sampling/Scaled.cs).</summary>
    private static readonly Scalar UnitSnr = 1.ToScalar();

    private ScheduleTables TablesFor(Device device) =>
        tables.GetOrAdd((device.type, device.index), _ => new ScheduleTables(Schedule, device));

    private static void CheckTimesteps(Tensor t, Tensor like)
    {
        ArgumentNullException.ThrowIfNull(t);
        if (t.dim() != 1 || t.shape[0] != like.shape[0] || t.dtype != ScalarType.Int64)
            throw new ArgumentException($"Timesteps must be an int64 tensor of shape [{like.shape[0]}] (one per sample); got {t.dtype} [{string.Join(", ", t.shape)}].", nameof(t));
    }
}
