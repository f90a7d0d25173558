using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// EMA of a model's weights, θ_ema ← β·θ_ema + (1−β)·θ, on the cadence and with the decay of an <see cref="EmaSchedule"/>;
/// before its start the average simply copies the weights, so early noise is not averaged in.
/// </summary>
public sealed class ExponentialMovingAverage(nn.Module source, nn.Module average, EmaSchedule schedule)
{
    private readonly (Tensor Source, Tensor Average)[] _pairs = Pair(source, average);
    private readonly EmaSchedule _schedule = schedule ?? throw new ArgumentNullException(nameof(schedule));

    public nn.Module Average { get; } = average;

    /// <summary>Call after optimizer step <paramref name="step"/> (1-based).</summary>
    public void Update(int step)
    {
        if (!_schedule.Updates(step)) return;
        using var _ = no_grad();
        if (_schedule.Copies(step))
        {
            foreach (var (src, avg) in _pairs) avg.copy_(src);
            return;
        }
        double weight = 1 - _schedule.DecayAt(step);
        foreach (var (src, avg) in _pairs)
        {
            using var w = tensor(weight, avg.dtype); // TorchSharp's lerp_ takes its weight as a tensor
            avg.lerp_(src, w); // avg + (1−β)(src − avg) = β·avg + (1−β)·src
        }
    }

    /// <summary>Copies every parameter and buffer from <paramref name="from"/> into <paramref name="to"/> (same architecture).</summary>
    public static void CopyWeights(nn.Module from, nn.Module to)
    {
        using var _ = no_grad();
        foreach (var (src, dst) in Pair(from, to)) dst.copy_(src);
    }

    private static (Tensor, Tensor)[] Pair(nn.Module source, nn.Module average)
    {
        var src = source.state_dict();
        var avg = average.state_dict();
        if (src.Count != avg.Count || src.Keys.Any(k => !avg.ContainsKey(k)))
            throw new ArgumentException("the EMA model must have the same parameters as the trained model");
        return src.Select(kv => (kv.Value, avg[kv.Key])).ToArray();
    }
}
