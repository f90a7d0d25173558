using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Training.Fused;

/// <summary>
/// The EMA of <see cref="ExponentialMovingAverage"/> (θ_ema ← β·θ_ema + (1−β)·θ on an <see cref="EmaSchedule"/>, a plain copy
/// before its start) as one lerp per flat buffer, with the skip of a non-finite step folded in: the lerp weight is multiplied
/// by the device-side "applied" flag, so nothing is read back to the host.
/// </summary>
public sealed class FusedExponentialMovingAverage : IDisposable
{
    private readonly FlatParameters _source;
    private readonly EmaSchedule _schedule;

    /// <summary>The averaged model's parameters, flattened here (it must have no buffers and the same parameters as the source).</summary>
    public FlatParameters Average { get; }

    public FusedExponentialMovingAverage(FlatParameters source, nn.Module average, EmaSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(average);
        ArgumentNullException.ThrowIfNull(schedule);
        if (average.buffers().Any()) throw new ArgumentException("the fused EMA covers parameters only; this model has buffers");
        _source = source;
        Average = new FlatParameters(average, withGradients: false);
        if (!Average.LinesUpWith(source)) throw new ArgumentException("the EMA model must have the same parameters as the trained model");
        _schedule = schedule;
    }

    /// <summary>Call after optimizer step <paramref name="step"/> (1-based); <paramref name="applied"/> is the step's 0-dim bool flag.</summary>
    public void Update(int step, Tensor applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        if (!_schedule.Updates(step)) return;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var groups = Enumerable.Range(0, _source.Groups.Count).Select(g => (Src: _source.Groups[g].Values, Avg: Average.Groups[g].Values));
        // A skipped step left the weights as they were, and before the start the average equals them, so the copy needs no flag.
        if (_schedule.Copies(step))
        {
            foreach (var (src, avg) in groups) avg.copy_(src);
            return;
        }
        double weight = 1 - _schedule.DecayAt(step);
        foreach (var (src, avg) in groups) avg.lerp_(src, Scaled.By(applied.to(avg.dtype), weight)); // avg + w·(src − avg); w = 0 leaves avg bit-for-bit
    }

    public void Dispose() => Average.Dispose();
}
