using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>What every sampler shares: argument checks, the per-step dispose-scope loop and the ε ↔ x̂_0 algebra.</summary>
internal static class SamplerSteps
{
    public static void Validate(Denoiser denoiser, Tensor xT, IReadOnlyList<NoiseLevel> levels, SampleNoise noise)
    {
        ArgumentNullException.ThrowIfNull(denoiser);
        ArgumentNullException.ThrowIfNull(xT);
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(noise);
        if (xT.dim() < 1 || xT.shape[0] < 1)
            throw new ArgumentException("x_T must have a batch dimension with at least one sample.", nameof(xT));
        if (noise.Count != xT.shape[0])
            throw new ArgumentException($"The noise source covers {noise.Count} samples but x_T has {xT.shape[0]}; create SampleNoise with count = batch size.", nameof(noise));
        if (levels.Count == 0)
            throw new ArgumentException("The noise-level list is empty; use NoiseLevels.Create to make one.", nameof(levels));
        for (int i = 0; i < levels.Count; i++)
        {
            if (!(levels[i].Sigma > 0) || double.IsInfinity(levels[i].Sigma))
                throw new ArgumentException($"Noise level {i} has σ = {levels[i].Sigma}; a sampler visits finite σ > 0 and steps to σ = 0 after the last (use NoiseLevels.Create).", nameof(levels));
            if (i > 0 && levels[i].Sigma >= levels[i - 1].Sigma)
                throw new ArgumentException($"Noise levels must be strictly decreasing, but σ = {levels[i - 1].Sigma} is followed by {levels[i].Sigma}; use NoiseLevels.Create to make the list.", nameof(levels));
        }
    }

    /// <summary>
    /// Runs step(i, x) for each timestep inside its own dispose scope, keeping only the new x; intermediate x's are
    /// disposed, the caller's x_T is not.
    /// </summary>
    public static Tensor Loop(Tensor xT, int steps, Action<int, int>? progress, Func<int, Tensor, Tensor> step)
    {
        Tensor x = xT;
        for (int i = 0; i < steps; i++)
        {
            Tensor next;
            using (NewDisposeScope()) next = step(i, x).MoveToOuterDisposeScope();
            if (!ReferenceEquals(x, xT)) x.Dispose();
            x = next;
            progress?.Invoke(i + 1, steps);
        }
        return x;
    }

    /// <summary>The level after step i: the next entry, or clean data (σ = 0, ᾱ = 1) after the last.</summary>
    public static NoiseLevel Next(IReadOnlyList<NoiseLevel> levels, int i) => i + 1 < levels.Count ? levels[i + 1] : NoiseLevel.Clean;

    /// <summary>The denoiser's prediction at (x, level), in x's dtype.</summary>
    public static Prediction Evaluate(Denoiser denoiser, Tensor x, NoiseLevel level) => denoiser(x, level).InDtypeOf(x);

    /// <summary>x̂_0 = (x_t − √(1−ᾱ) ε̂)/√ᾱ (Ho et al. 2020, eq. 4 solved for x_0), clipped to [−1, 1] on request.</summary>
    public static Tensor PredictX0(Tensor x, Tensor eps, double alphaBar, bool clip)
    {
        var x0 = Scaled.By(x, 1 / Math.Sqrt(alphaBar)) - Scaled.By(eps, Math.Sqrt((1 - alphaBar) / alphaBar));
        return clip ? x0.clamp(Scaled.MinusOne, Scaled.One) : x0;
    }

    /// <summary>ε̂ consistent with a (clipped) x̂_0: (x_t − √ᾱ x̂_0)/√(1−ᾱ).</summary>
    public static Tensor EpsFromX0(Tensor x, Tensor x0, double alphaBar) =>
        Scaled.By(x - Scaled.By(x0, Math.Sqrt(alphaBar)), 1 / Math.Sqrt(1 - alphaBar));

    /// <summary>Fresh per-sample noise shaped and typed like x.</summary>
    public static Tensor Noise(SampleNoise noise, Tensor x) => noise.Next(x.shape[1..]).to(x.dtype, x.device);
}
