using static TorchSharp.torch;

namespace SharpDiffusion.Training.Fused;

/// <summary>
/// The EMA of <see cref="ExponentialMovingAverage"/> (θ_ema ← decay·θ_ema + (1−decay)·θ every <c>every</c> steps, a plain copy
/// before <c>start</c>) as one lerp per flat buffer, with the skip of a non-finite step folded in: the lerp weight is multiplied
/// by the device-side "applied" flag, so nothing is read back to the host.
/// </summary>
public sealed class FusedExponentialMovingAverage : IDisposable
{
    private readonly FlatParameters _source;
    private readonly double _decay;
    private readonly int _every;
    private readonly int _start;

    /// <summary>The averaged model's parameters, flattened here (it must have no buffers and the same parameters as the source).</summary>
    public FlatParameters Average { get; }

    public FusedExponentialMovingAverage(FlatParameters source, nn.Module average, double decay, int every, int start)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(average);
        if (average.buffers().Any()) throw new ArgumentException("the fused EMA covers parameters only; this model has buffers");
        _source = source;
        Average = new FlatParameters(average, withGradients: false);
        if (!Average.LinesUpWith(source)) throw new ArgumentException("the EMA model must have the same parameters as the trained model");
        (_decay, _every, _start) = (decay, every, start);
    }

    /// <summary>Call after optimizer step <paramref name="step"/> (1-based); <paramref name="applied"/> is the step's 0-dim bool flag.</summary>
    public void Update(int step, Tensor applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        if (step % _every != 0 && step >= _start) return;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        for (int g = 0; g < _source.Groups.Count; g++)
        {
            var (src, avg) = (_source.Groups[g].Values, Average.Groups[g].Values);
            // A skipped step left the weights as they were, and before start the average equals them, so the copy needs no flag.
            if (step < _start) avg.copy_(src);
            else avg.lerp_(src, applied.to(avg.dtype) * (1 - _decay)); // avg + w·(src − avg); w = 0 leaves avg bit-for-bit
        }
    }

    public void Dispose() => Average.Dispose();
}
