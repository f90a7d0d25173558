namespace SharpDiffusion.Sampling;

/// <summary>
/// The exponential-integrator coefficients the λ-space solvers need, computed without cancellation for small steps
/// (a 1000-step schedule has h ≈ 0.01): series below |x| = 0.5, closed forms above.
/// </summary>
internal static class Phi
{
    private const double SeriesBelow = 0.5;
    private const int SeriesTerms = 30; // |x|^30/30! < 1e-40 for |x| < 0.5

    /// <summary>e^x − 1.</summary>
    public static double ExpMinusOne(double x) => Math.Abs(x) < SeriesBelow ? x * Series(x, firstFactorialIndex: 1) : Math.Exp(x) - 1;

    /// <summary>
    /// The right-hand side b of UniC's linear system R ρ = b for two points (Zhao et al. 2023, data prediction with
    /// B(h) = e^(−h) − 1): b_k = k!·g_k(−h)/B(h) with g_1(x) = (e^x − 1)/x − 1 = Σ_{m≥1} x^m/(m+1)! and
    /// g_2(x) = g_1(x)/x − ½ = Σ_{m≥1} x^m/(m+2)!. As h → 0, b → (½, ⅓).
    /// </summary>
    public static (double B1, double B2) CorrectorRhs(double h)
    {
        double x = -h, bh = ExpMinusOne(x);
        double g1, g2;
        if (Math.Abs(x) < SeriesBelow)
        {
            g1 = x * Series(x, firstFactorialIndex: 2);
            g2 = x * Series(x, firstFactorialIndex: 3);
        }
        else
        {
            g1 = bh / x - 1;
            g2 = g1 / x - 0.5;
        }
        return (g1 / bh, 2 * g2 / bh);
    }

    /// <summary>Σ_{m≥0} x^m/(m+k)! for k = <paramref name="firstFactorialIndex"/>.</summary>
    private static double Series(double x, int firstFactorialIndex)
    {
        double term = 1, sum = 0;
        for (int k = 2; k <= firstFactorialIndex; k++) term /= k;
        for (int m = 0; m < SeriesTerms; m++)
        {
            sum += term;
            term *= x / (m + 1 + firstFactorialIndex);
        }
        return sum;
    }
}
