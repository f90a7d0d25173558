using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace SharpDiffusion.Reporting;

/// <summary>
/// ScottPlot 5 has no logarithmic axis: values are plotted as log10(y) and ticks are placed at round linear values
/// (1, 2, 5 × 10^k, or every digit when the data spans less than a decade), labelled in linear units.
/// Non-positive values cannot be shown on a log axis and are dropped.
/// </summary>
internal static class LogScaleAxis
{
    private static readonly int[][] Mantissas = [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]];

    public static (double[] X, double[] Y) Transform(IReadOnlyList<double> xs, IReadOnlyList<double> ys)
    {
        var keep = Enumerable.Range(0, ys.Count).Where(i => ys[i] > 0).ToArray();
        return (keep.Select(i => xs[i]).ToArray(), keep.Select(i => Math.Log10(ys[i])).ToArray());
    }

    public static void Apply(Plot plot, double minLog10, double maxLog10)
    {
        var values = TickValues(minLog10, maxLog10);
        if (values.Count < 3)
        {
            // Too narrow for round values: automatic positions, still labelled in linear units.
            plot.Axes.Left.TickGenerator = new NumericAutomatic { LabelFormatter = y => Label(Math.Pow(10, y)) };
            return;
        }
        var ticks = new NumericManual();
        foreach (double v in values) ticks.AddMajor(Math.Log10(v), Label(v));
        plot.Axes.Left.TickGenerator = ticks;
    }

    /// <summary>The round values m·10^k inside [10^min, 10^max], with the coarsest mantissa set that gives at least 4.</summary>
    internal static IReadOnlyList<double> TickValues(double minLog10, double maxLog10)
    {
        List<double> best = [];
        foreach (var mantissas in Mantissas)
        {
            best = [];
            for (int k = (int)Math.Floor(minLog10); k <= (int)Math.Ceiling(maxLog10); k++)
            {
                foreach (int m in mantissas)
                {
                    double v = m * Math.Pow(10, k);
                    double log = Math.Log10(v);
                    if (log >= minLog10 - 1e-9 && log <= maxLog10 + 1e-9) best.Add(v);
                }
            }
            if (best.Count >= 4) break;
        }
        return best;
    }

    private static string Label(double v) => v.ToString("G3", CultureInfo.InvariantCulture);
}
