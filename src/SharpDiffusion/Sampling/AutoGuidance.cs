using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;

namespace SharpDiffusion.Sampling;

/// <summary>
/// Autoguidance (Karras et al. 2024, "Guiding a diffusion model with a bad version of itself", eq. 2): D = D_guide + w·(D_main −
/// D_guide), the main model extrapolated away from a weaker one of the same data (smaller, or trained for less time), both
/// given the same condition. It improves unconditional models, where classifier-free guidance has no unconditional branch to
/// leave. w = 1 is the main model alone; EDM2's guidance 2.0 is w = 2 here (the same convention).
/// </summary>
/// <param name="Model">The guide network (sampled with its own formulation, so a ddpm guide can steer an edm model and back).</param>
public sealed record AutoGuidance(IDiffusionNetwork Model, IFormulation Formulation, double Weight)
{
    /// <summary>The one-sentence problem with the weight, or null: w must be finite and ≥ 1 (below 1 interpolates towards the worse model).</summary>
    public static string? WeightProblem(double weight) =>
        double.IsFinite(weight) && weight >= 1 ? null : $"--autoguidance (w) must be a finite number ≥ 1 (1 = the main model alone; EDM2 used 1.4–2.5), not {weight}";

    /// <summary>
    /// The one-sentence problem with guiding <paramref name="main"/> by <paramref name="guide"/>, or null when they fit: the same
    /// sample shape (and so sample space), and the same conditioning kinds and class count (the guide sees the main model's condition).
    /// </summary>
    public static string? Mismatch(IDiffusionNetwork main, IDiffusionNetwork guide)
    {
        ArgumentNullException.ThrowIfNull(main);
        ArgumentNullException.ThrowIfNull(guide);
        if (!main.SampleShape.SequenceEqual(guide.SampleShape))
            return $"the guide makes [{string.Join(", ", guide.SampleShape)}] samples but the model [{string.Join(", ", main.SampleShape)}]; train the guide on the same data (and autoencoder)";
        if (main.Accepts.Classes != guide.Accepts.Classes)
            return $"the guide takes {Kinds(guide.Accepts)} but the model {Kinds(main.Accepts)}; a guide is conditioned as its model is";
        if (main.Accepts.HasLowResolution != guide.Accepts.HasLowResolution)
            return "one of the model and the guide is an upscaler and the other is not; guide an upscaler with an upscaler";
        if (main.ClipDenoised != guide.ClipDenoised)
            return "one of the model and the guide samples pixels and the other latents; train the guide in the model's sample space";
        return null;
    }

    private static string Kinds(ConditioningSpec spec) => spec.HasClasses ? $"{spec.Classes} classes" : "no classes";

    /// <summary>The guided denoiser: D_guide + w·(D_main − D_guide) = (1 + (w − 1))·D_main − (w − 1)·D_guide; w = 1 is <paramref name="main"/> itself.</summary>
    public static Denoiser Combine(Denoiser main, Denoiser guide, double weight)
    {
        ArgumentNullException.ThrowIfNull(main);
        ArgumentNullException.ThrowIfNull(guide);
        if (WeightProblem(weight) is { } problem) throw new ArgumentOutOfRangeException(nameof(weight), weight, problem + ".");
        if (weight == 1) return main;
        return (x, level) => Prediction.Extrapolate(main(x, level), guide(x, level), weight - 1);
    }
}
