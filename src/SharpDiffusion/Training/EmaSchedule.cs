using SharpDiffusion.Config;

namespace SharpDiffusion.Training;

/// <summary>
/// When the EMA of the weights changes and with which decay β: the one rule that <see cref="ExponentialMovingAverage"/> and
/// <see cref="Fused.FusedExponentialMovingAverage"/> both follow. Before <see cref="Start"/> the average copies the weights at
/// every step; from then on it averages every <see cref="Every"/> steps, θ_ema ← β·θ_ema + (1−β)·θ, with
/// β = min(<see cref="MaxDecay"/>, 1 − (1 + e/<see cref="InvGamma"/>)^−<see cref="Power"/>), e = step − start (ema-pytorch's
/// warm-up, after K. Crowson), or β = <see cref="MaxDecay"/> throughout when <see cref="Warmup"/> is off.
/// β depends on the step alone, so a resumed run averages exactly as an uninterrupted one.
/// </summary>
/// <param name="MaxDecay">training.ema_decay: the constant β, or the warm-up's cap.</param>
/// <param name="Every">training.ema_every: optimizer steps between averaging updates.</param>
/// <param name="Start">training.ema_start: the first step that averages (e = 0 there, so with the warm-up it still copies).</param>
/// <param name="Warmup">training.ema_warmup.</param>
/// <param name="InvGamma">training.ema_inv_gamma (γ⁻¹): steps per unit of e in the warm-up.</param>
/// <param name="Power">training.ema_power (p): 2/3 reaches β = 0.999 after 31.6k steps, 3/4 after 10k.</param>
public sealed record EmaSchedule(double MaxDecay, int Every, int Start, bool Warmup = true, double InvGamma = 1, double Power = 2.0 / 3)
{
    /// <param name="start">The step the average starts at (training.ema_start; 0 in benchmarks).</param>
    public static EmaSchedule From(TrainingConfig training, int start)
    {
        ArgumentNullException.ThrowIfNull(training);
        return new(training.EmaDecay, training.EmaEvery, start, training.EmaWarmup, training.EmaInvGamma, training.EmaPower);
    }

    /// <summary>Whether the average changes after optimizer step <paramref name="step"/> (1-based).</summary>
    public bool Updates(int step) => step < Start || step % Every == 0;

    /// <summary>Whether the average is a plain copy of the weights after <paramref name="step"/> (before the start).</summary>
    public bool Copies(int step) => step < Start;

    /// <summary>β at an averaging step. e counts optimizer steps since the start, not averaging updates, as in ema-pytorch.</summary>
    public double DecayAt(int step)
    {
        if (!Warmup) return MaxDecay;
        int e = Math.Max(step - Start, 0);
        return Math.Min(MaxDecay, 1 - Math.Pow(1 + e / InvGamma, -Power)); // e = 0 gives β = 0: the average takes the weights
    }
}
