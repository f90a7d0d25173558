// Copied from src/SharpDiffusion/Sampling/DpmSolverPlusPlusSampler.cs at 8b02e6c as the oracle for issue 22's contract refactor; do not edit.
// Renamed with a Legacy prefix; the arithmetic (operation order, dtypes, Scaled.By calls) is unchanged, so the production
// code after the refactor must reproduce it bit for bit (LegacySamplerOracleTests).
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>
/// DPM-Solver++(2M), Lu et al. 2022 (arXiv:2211.01095) Algorithm 2: a deterministic multistep solver of the
/// data-prediction ODE in λ = log(α/σ). The first step is first order (no history yet) and so is the final step to
/// clean data, where σ = 0 makes the first-order update exactly x̂_0 ("lower-order final step").
/// </summary>
/// <param name="clipDenoised">Clip x̂_0 to [−1, 1] (static thresholding) before it enters the update.</param>
internal sealed class LegacyDpmSolverPlusPlusSampler(bool clipDenoised = true) : ILegacySampler
{
    public string Name => "dpm-solver++";

    public bool ClipDenoised { get; } = clipDenoised;

    public Tensor Sample(LegacyDenoiser denoiser, Tensor xT, IReadOnlyList<int> timesteps, LegacySchedule schedule, SampleNoise noise, Action<int, int>? progress = null)
    {
        LegacySamplerSteps.Validate(denoiser, xT, timesteps, schedule, noise);
        Tensor? previousX0 = null;
        double previousH = double.NaN;
        try
        {
            return LegacySamplerSteps.Loop(xT, timesteps.Count, progress, (i, x) =>
            {
                int t = timesteps[i], previous = LegacySamplerSteps.Previous(timesteps, i);
                double alphaBar = schedule.AlphaBar(t), alphaBarPrevious = schedule.AlphaBar(previous);
                var eps = LegacySamplerSteps.Evaluate(denoiser, x, t);
                var x0 = LegacySamplerSteps.PredictX0(x, eps, alphaBar, ClipDenoised);
                if (previous < 0) return x0;

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
                var next = Scaled.By(x, sigmaT / sigmaS) + Scaled.By(d, -alphaT * Phi.ExpMinusOne(-h));

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
