using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// EMA of a model's weights, θ_ema ← decay·θ_ema + (1−decay)·θ, updated every <c>every</c> steps (as ema-pytorch does);
/// before <c>start</c> the average simply copies the weights, so early noise is not averaged in.
/// </summary>
public sealed class ExponentialMovingAverage(nn.Module source, nn.Module average, double decay, int every, int start)
{
    private readonly (Tensor Source, Tensor Average)[] _pairs = Pair(source, average);

    public nn.Module Average { get; } = average;

    /// <summary>Call after optimizer step <paramref name="step"/> (1-based).</summary>
    public void Update(int step)
    {
        if (step % every != 0 && step >= start) return;
        using var _ = no_grad();
        foreach (var (src, avg) in _pairs)
        {
            if (step < start) avg.copy_(src);
            else avg.lerp_(src, 1 - decay); // avg + (1−decay)(src − avg) = decay·avg + (1−decay)·src
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
