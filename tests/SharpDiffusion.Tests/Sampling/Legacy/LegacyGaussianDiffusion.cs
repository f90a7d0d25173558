// Copied from src/SharpDiffusion/Diffusion/GaussianDiffusion.cs (QSample, Target, TrainingLoss, LossWeight, Interpret) at
// 8b02e6c as the oracle for issue 22's contract refactor; do not edit. Renamed with a Legacy prefix; the tables are
// LegacyScheduleTables (CPU only: the oracle runs on the CPU).
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>
/// The forward process q(x_t | x_0) and the training objective (Ho et al. 2020), as today's GaussianDiffusion computes them.
/// Timesteps are int64 tensors [B] with values in 0 … T−1.
/// </summary>
internal sealed class LegacyGaussianDiffusion : IDisposable
{
    private readonly LegacyScheduleTables tab;

    public LegacyGaussianDiffusion(DiffusionConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Schedule = new LegacySchedule(NoiseSchedule.Create(config));
        Objective = config.Objective;
        MinSnrGamma = config.MinSnrGamma;
        tab = new LegacyScheduleTables(Schedule, CPU);
    }

    public LegacySchedule Schedule { get; }

    public Objective Objective { get; }

    public double MinSnrGamma { get; }

    /// <summary>x_t = √ᾱ_t x_0 + √(1−ᾱ_t) ε (Ho et al. 2020, eq. 4).</summary>
    public Tensor QSample(Tensor x0, Tensor t, Tensor noise)
    {
        CheckTimesteps(t, x0);
        using var scope = NewDisposeScope();
        var xt = LegacyScheduleTables.Gather(tab.SqrtAlphaBar, t, x0) * x0 + LegacyScheduleTables.Gather(tab.SqrtOneMinusAlphaBar, t, x0) * noise;
        return xt.MoveToOuterDisposeScope();
    }

    /// <summary>What the network is trained to output: ε, x_0, or v = √ᾱ_t ε − √(1−ᾱ_t) x_0 (Salimans &amp; Ho 2022, §4).</summary>
    public Tensor Target(Tensor x0, Tensor noise, Tensor t)
    {
        CheckTimesteps(t, x0);
        switch (Objective)
        {
            case Objective.Eps: return noise.alias();
            case Objective.X0: return x0.alias();
            default:
                using (var scope = NewDisposeScope())
                {
                    var v = LegacyScheduleTables.Gather(tab.SqrtAlphaBar, t, x0) * noise - LegacyScheduleTables.Gather(tab.SqrtOneMinusAlphaBar, t, x0) * x0;
                    return v.MoveToOuterDisposeScope();
                }
        }
    }

    /// <summary>
    /// One Monte-Carlo estimate of the simple loss: draws t ~ U{0 … T−1} [B] and then ε ~ N(0, I) from
    /// <paramref name="generator"/>, calls model(x_t, t) and returns the mean squared error in float32, each sample's error
    /// weighted by <see cref="LossWeight"/> when Min-SNR-γ is on.
    /// </summary>
    public Tensor TrainingLoss(Func<Tensor, Tensor, Tensor> model, Tensor x0, Generator generator)
    {
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

    /// <summary>Min-SNR-γ weight per sample [B] for this objective (Hang et al. 2023, §3.4).</summary>
    public Tensor LossWeight(Tensor t)
    {
        if (!(MinSnrGamma > 0)) throw new InvalidOperationException("Min-SNR weighting is off (diffusion.min_snr_gamma = 0).");
        using var scope = NewDisposeScope();
        var snr = tab.Snr.index_select(0, t);
        var weight = Objective switch
        {
            Objective.Eps => (MinSnrGamma / snr).clamp_max(1.0), // = min(SNR, γ)/SNR, without 0/0 where SNR → 0
            Objective.X0 => snr.clamp_max(MinSnrGamma),
            _ => snr.clamp_max(MinSnrGamma) / (snr + 1),
        };
        return weight.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Converts a network output to (ε̂, x̂_0) for this objective, using x_t = √ᾱ x_0 + √(1−ᾱ) ε
    /// (and for v: x̂_0 = √ᾱ x_t − √(1−ᾱ) v, ε̂ = √(1−ᾱ) x_t + √ᾱ v). Nothing is clipped.
    /// </summary>
    public (Tensor Eps, Tensor X0) Interpret(Tensor modelOutput, Tensor xt, Tensor t)
    {
        CheckTimesteps(t, xt);
        using var scope = NewDisposeScope();
        var a = LegacyScheduleTables.Gather(tab.SqrtAlphaBar, t, xt);
        var s = LegacyScheduleTables.Gather(tab.SqrtOneMinusAlphaBar, t, xt);
        (Tensor eps, Tensor x0) = Objective switch
        {
            Objective.Eps => (modelOutput.alias(), (xt - s * modelOutput) / a),
            Objective.X0 => ((xt - a * modelOutput) / s, modelOutput.alias()),
            _ => (s * xt + a * modelOutput, a * xt - s * modelOutput),
        };
        return (eps.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }

    private static void CheckTimesteps(Tensor t, Tensor like)
    {
        if (t.dim() != 1 || t.shape[0] != like.shape[0] || t.dtype != ScalarType.Int64 || t.device_type != DeviceType.CPU)
            throw new ArgumentException($"Timesteps must be an int64 CPU tensor of shape [{like.shape[0]}]; got {t.dtype} [{string.Join(", ", t.shape)}].", nameof(t));
    }

    public void Dispose() => tab.Dispose();
}
