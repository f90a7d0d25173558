namespace SharpDiffusion.Reporting;

/// <summary>Smoothing of a noisy curve for display.</summary>
public static class LossSmoothing
{
    /// <summary>
    /// Debiased exponential moving average, the smoothing TensorBoard shows: s_t = w·s_{t−1} + (1−w)·x_t with s_0 = 0,
    /// divided by (1 − w^t) so early points are not pulled toward zero (the bias correction of Adam, Kingma &amp; Ba 2015, §3).
    /// </summary>
    public static double[] Ema(IReadOnlyList<double> values, double weight)
    {
        if (weight is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(weight), weight, "the smoothing weight must be in [0, 1).");
        var smoothed = new double[values.Count];
        double s = 0, decay = 1;
        for (int t = 0; t < values.Count; t++)
        {
            s = weight * s + (1 - weight) * values[t];
            decay *= weight;
            smoothed[t] = s / (1 - decay);
        }
        return smoothed;
    }
}
