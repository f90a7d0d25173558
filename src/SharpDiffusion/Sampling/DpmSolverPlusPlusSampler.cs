using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// DPM-Solver++(2M), Lu et al. 2022 (arXiv:2211.01095) Algorithm 2: a deterministic multistep solver of the
/// data-prediction ODE in λ = log(α/σ). The first step is first order (no history yet) and so is the final step to
/// clean data, where σ = 0 makes the first-order update exactly x̂_0 ("lower-order final step").
/// </summary>
/// <param name="clipDenoised">Clip x̂_0 to [−1, 1] (static thresholding) before it enters the update.</param>
public sealed class DpmSolverPlusPlusSampler(bool clipDenoised = true) : ISampler
{
    public string Name => "dpm-solver++";

    public bool ClipDenoised { get; } = clipDenoised;

    public Tensor Sample(Denoiser denoiser, Tensor xT, IReadOnlyList<NoiseLevel> levels, SampleNoise noise, Action<int, int>? progress = null)
    {
        SamplerSteps.Validate(denoiser, xT, levels, noise);
        Tensor? previousX0 = null;
        double previousH = double.NaN;
        try
        {
            return SamplerSteps.Loop(xT, levels.Count, progress, (i, x) =>
            {
                NoiseLevel level = levels[i], previous = SamplerSteps.Next(levels, i);
                double alphaBar = level.AlphaBar, alphaBarPrevious = previous.AlphaBar;
                var x0 = SamplerSteps.Evaluate(denoiser, x, level).Denoised(ClipDenoised);
                if (previous.IsClean) return x0;

                double alphaS = Math.Sqrt(alphaBar), sigmaS = Math.Sqrt(1 - alphaBar);
                double alphaT = Math.Sqrt(alphaBarPrevious), sigmaT = Math.Sqrt(1 - alphaBarPrevious);
                double h = Math.Log(alphaT / sigmaT) - Math.Log(alphaS / sigmaS);
                Tensor d = x0;
                if (previousX0 is not null)
                {
                    // D = (1 + 1/(2r)) x̂_0 − 1/(2r) x̂_0,prev with r = h_prev/h.
                    double halfInverseR = h / (2 * previousH);
                    d = Scaled.By(x0, 1 + halfInverseR) - Scaled.By(previousX0, halfInverseR);
                }
                var next = Scaled.By(x, sigmaT / sigmaS).Plus(Scaled.By(d, -alphaT * Phi.ExpMinusOne(-h)));

                previousX0?.Dispose();
                previousX0 = x0.MoveToOuterDisposeScope();
                previousH = h;
                return next;
            });
        }
        finally
        {
            previousX0?.Dispose();
        }
    }
}
