using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// UniPC-2, Zhao et al. 2023 (arXiv:2302.04867), with B(h) = e^h − 1 ("bh2"), data prediction, multistep in
/// λ = log(α/σ). Its predictor UniP-2 is the DPM-Solver++(2M) step; the corrector UniC-2 then re-does the step that
/// produced the current x with the network's output at that x included — the evaluation the next step needs anyway, so it
/// costs nothing extra and raises the order by one. The first step is first order, and so is the final step to clean data
/// (it is exactly x̂₀, which makes a correction at the last evaluated point pointless, so none is made).
/// </summary>
/// <param name="clipDenoised">Clip x̂₀ to [−1, 1] (static thresholding) before it enters an update.</param>
public sealed class UniPcSampler(bool clipDenoised = true) : ISampler
{
    public string Name => "unipc";

    public bool ClipDenoised { get; } = clipDenoised;

    public Tensor Sample(Denoiser denoiser, Tensor xT, IReadOnlyList<NoiseLevel> levels, SampleNoise noise, Action<int, int>? progress = null)
    {
        SamplerSteps.Validate(denoiser, xT, levels, noise);
        Point? previous = null, beforePrevious = null;
        try
        {
            return SamplerSteps.Loop(xT, levels.Count, progress, (i, x) =>
            {
                NoiseLevel level = levels[i], next = SamplerSteps.Next(levels, i);
                var here = LogSnr.At(level.AlphaBar);
                var x0 = SamplerSteps.Evaluate(denoiser, x, level).Denoised(ClipDenoised);
                if (next.IsClean) return x0;

                // UniC: redo the step previous → here with x̂₀ at here (the corrected x is what the next step starts from).
                var start = previous is null ? x : Correct(previous, beforePrevious, here, x0);
                var target = LogSnr.At(next.AlphaBar);
                // UniP-2 (= DPM-Solver++(2M)); first order on the first step.
                var predicted = Step(start, here, target, x0, previous is null ? null : Slope(previous, here, target, x0));

                beforePrevious?.Dispose();
                beforePrevious = previous;
                // The first start is the caller's x_T (or the loop's x, disposed after this step): keep a copy.
                var kept = ReferenceEquals(start, x) ? start.clone() : start;
                previous = new Point(here, x0.MoveToOuterDisposeScope(), kept.MoveToOuterDisposeScope());
                return predicted;
            });
        }
        finally
        {
            previous?.Dispose();
            beforePrevious?.Dispose();
        }
    }

    /// <summary>
    /// The corrected x at <paramref name="here"/>: the step from <paramref name="from"/> (its corrected x and x̂₀) redone with
    /// coefficients ρ solving the paper's order conditions R ρ = b (for one point ρ = ½, the trapezoid rule), using the x̂₀'s at
    /// <paramref name="before"/> (when the predictor used it), at <paramref name="from"/> and at <paramref name="here"/>.
    /// </summary>
    private static Tensor Correct(Point from, Point? before, LogSnr here, Tensor x0Here)
    {
        double h = here.Lambda - from.Snr.Lambda;
        var (b1, b2) = Phi.CorrectorRhs(h);
        var differenceHere = x0Here - from.X0; // D1_t = x̂₀(here) − x̂₀(from)
        Tensor correction;
        if (before is null)
        {
            correction = Scaled.By(differenceHere, 0.5);
        }
        else
        {
            // Solve [[1, 1], [r, 1]] ρ = [b1, b2] with r = (λ_before − λ_from)/h < 0; D1_1 = (x̂₀(before) − x̂₀(from))/r.
            double r = (before.Snr.Lambda - from.Snr.Lambda) / h;
            double rhoBefore = (b1 - b2) / (1 - r), rhoHere = b1 - rhoBefore;
            correction = Scaled.By(before.X0 - from.X0, rhoBefore / r).Plus(Scaled.By(differenceHere, rhoHere));
        }
        // x = σ_t/σ_s x_s − α_t φ₁ x̂₀(from) − α_t B(h) Σ ρ D, with φ₁ = B(h) = e^(−h) − 1 in data prediction.
        double phi1 = Phi.ExpMinusOne(-h);
        return Scaled.By(from.X, here.Sigma / from.Snr.Sigma) - Scaled.By(from.X0.Plus(correction), here.Alpha * phi1);
    }

    /// <summary>The second-order term ρ·D1 of UniP-2 with ρ = ½ (the paper's choice for order 2), from the x̂₀ at the previous point.</summary>
    private static Tensor Slope(Point previous, LogSnr here, LogSnr target, Tensor x0Here)
    {
        double r = (previous.Snr.Lambda - here.Lambda) / (target.Lambda - here.Lambda);
        return Scaled.By(previous.X0 - x0Here, 0.5 / r);
    }

    /// <summary>x_t = σ_t/σ_s x_s − α_t φ₁ x̂₀ − α_t B(h) ρ·D1 (B(h) = φ₁ = e^(−h) − 1).</summary>
    private static Tensor Step(Tensor x, LogSnr from, LogSnr to, Tensor x0, Tensor? slope)
    {
        double phi1 = Phi.ExpMinusOne(-(to.Lambda - from.Lambda));
        var data = slope is null ? x0 : x0.Plus(slope);
        return Scaled.By(x, to.Sigma / from.Sigma) - Scaled.By(data, to.Alpha * phi1);
    }

    private sealed record Point(LogSnr Snr, Tensor X0, Tensor X) : IDisposable
    {
        public void Dispose()
        {
            X0.Dispose();
            X.Dispose();
        }
    }

    /// <summary>α = √ᾱ, σ = √(1−ᾱ), λ = log(α/σ).</summary>
    private readonly record struct LogSnr(double Alpha, double Sigma, double Lambda)
    {
        public static LogSnr At(double alphaBar)
        {
            double alpha = Math.Sqrt(alphaBar), sigma = Math.Sqrt(1 - alphaBar);
            return new LogSnr(alpha, sigma, Math.Log(alpha / sigma));
        }
    }
}
