using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>What <see cref="StepCounters.Read"/> brings back to the host.</summary>
/// <param name="LossSum">Sum of the losses of applied steps since the last read.</param>
/// <param name="Applied">Applied steps since the last read.</param>
/// <param name="Skipped">Skipped (NaN/Inf) steps since the last read.</param>
/// <param name="DivergedAt">The step at which training.max_bad_steps consecutive steps had been skipped, or 0.</param>
public readonly record struct StepTotals(double LossSum, int Applied, int Skipped, int DivergedAt);

/// <summary>
/// Per-step bookkeeping of the training loop kept on the device (loss sum, applied/skipped counts, consecutive bad steps), so a
/// step never waits for the device; the host reads all of it in one transfer at log rows and checkpoints.
/// </summary>
public sealed class StepCounters : IDisposable
{
    // held Scalars: see Scaled
    private static readonly Scalar OneMoreStep = 1.ToScalar();
    private static readonly Scalar NotDiverged = 0.ToScalar();

    private readonly int _maxBadSteps;
    private readonly Tensor _lossSum;
    private readonly Tensor _applied;
    private readonly Tensor _skipped;
    private readonly Tensor _consecutive;
    private readonly Tensor _divergedAt;

    public StepCounters(Device device, int maxBadSteps)
    {
        _maxBadSteps = maxBadSteps;
        _lossSum = zeros([], ScalarType.Float64, device).DetachFromDisposeScope();
        _applied = zeros_like(_lossSum).DetachFromDisposeScope();
        _skipped = zeros_like(_lossSum).DetachFromDisposeScope();
        _consecutive = zeros_like(_lossSum).DetachFromDisposeScope();
        _divergedAt = zeros_like(_lossSum).DetachFromDisposeScope();
    }

    /// <summary>Adds step <paramref name="step"/>'s outcome: its loss (counted only if applied) and its 0-dim bool flag.</summary>
    public void Record(int step, Tensor loss, Tensor applied)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(applied);
        using var scope = NewDisposeScope();
        using var maxBadSteps = _maxBadSteps.ToScalar();
        using var stepNumber = step.ToScalar();
        var ok = applied.to(_lossSum.device);
        _lossSum.PlusInPlace(where(ok, loss.to(ScalarType.Float64).reshape([]), zeros_like(_lossSum)));
        _applied.PlusInPlace(ok);
        _skipped.PlusInPlace(ok.logical_not());
        _consecutive.copy_(where(ok, zeros_like(_consecutive), _consecutive.Plus(OneMoreStep)));
        var firstTime = _divergedAt.eq(NotDiverged).logical_and(_consecutive.ge(maxBadSteps));
        _divergedAt.copy_(where(firstTime, full_like(_divergedAt, stepNumber), _divergedAt));
    }

    /// <summary>Reads the totals (one device sync) and starts a new interval; the consecutive count and divergence carry on.</summary>
    public StepTotals Read()
    {
        using var scope = NewDisposeScope();
        var values = stack([_lossSum, _applied, _skipped, _divergedAt]).cpu().data<double>().ToArray();
        _lossSum.zero_();
        _applied.zero_();
        _skipped.zero_();
        return new StepTotals(values[0], (int)values[1], (int)values[2], (int)values[3]);
    }

    public void Dispose()
    {
        foreach (var t in new[] { _lossSum, _applied, _skipped, _consecutive, _divergedAt }) t.Dispose();
    }
}
