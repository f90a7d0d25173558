namespace SharpDiffusion.Diffusion;

/// <summary>The three β schedules, in float64. Each returns T betas for t = 0 … T−1.</summary>
internal static class BetaSchedules
{
    /// <summary>Largest β any schedule may produce; β = 1 would make ᾱ exactly 0 (Nichol &amp; Dhariwal 2021, §3.2).</summary>
    public const double MaxBeta = 0.999;

    /// <summary>Ho et al. 2020, §4: β linear from <paramref name="betaStart"/> (t = 0) to <paramref name="betaEnd"/> (t = T−1).</summary>
    public static double[] Linear(int timesteps, double betaStart, double betaEnd)
    {
        var betas = new double[timesteps];
        for (int t = 0; t < timesteps; t++)
            betas[t] = timesteps == 1 ? betaStart : betaStart + (betaEnd - betaStart) * t / (timesteps - 1);
        return betas;
    }

    /// <summary>Nichol &amp; Dhariwal 2021, eq. 17: ᾱ(t) = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2), s = 0.008.</summary>
    public static double[] Cosine(int timesteps, double s = 0.008) =>
        FromAlphaBarCurve(timesteps, u => Math.Pow(Math.Cos((u + s) / (1 + s) * Math.PI / 2), 2));

    /// <summary>
    /// Jabri et al. 2022 as in denoising-diffusion-pytorch 2.x <c>sigmoid_beta_schedule(T, start=-3, end=3, tau=1)</c>:
    /// ᾱ(u) ∝ σ(end/τ) − σ((u·(end − start) + start)/τ), normalised so that ᾱ(0) = 1.
    /// </summary>
    public static double[] Sigmoid(int timesteps, double start = -3, double end = 3, double tau = 1) =>
        FromAlphaBarCurve(timesteps, u => Logistic(end / tau) - Logistic((u * (end - start) + start) / tau));

    internal static double Logistic(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>β_t = 1 − ᾱ(t+1)/ᾱ(t) on the grid u = t/T, clipped to [0, <see cref="MaxBeta"/>] (the curve need not be normalised).</summary>
    private static double[] FromAlphaBarCurve(int timesteps, Func<double, double> alphaBar)
    {
        var betas = new double[timesteps];
        double previous = alphaBar(0);
        for (int t = 0; t < timesteps; t++)
        {
            double next = alphaBar((t + 1) / (double)timesteps);
            betas[t] = Math.Clamp(1 - next / previous, 0, MaxBeta);
            previous = next;
        }
        return betas;
    }
}
