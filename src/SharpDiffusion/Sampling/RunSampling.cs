using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;

namespace SharpDiffusion.Sampling;

/// <summary>A sampler, its number of steps and the timesteps' spacing, resolved for one run.</summary>
public sealed record SamplingPlan(string Sampler, int Steps, TimestepSpacing Spacing)
{
    /// <summary>The noise levels this plan visits on <paramref name="formulation"/>.</summary>
    public IReadOnlyList<NoiseLevel> LevelsFor(IFormulation formulation) => NoiseLevels.Create(Spacing, Steps, formulation);
}

/// <summary>
/// What a command samples with: the options the user gave, and for the rest the run's <c>sampling</c> section. The run's steps
/// and spacing apply only to the run's own sampler; naming another sampler takes that sampler's defaults.
/// </summary>
public static class RunSampling
{
    /// <param name="sampler">--sampler, or null for the run's.</param>
    /// <param name="steps">--steps, or null.</param>
    /// <param name="spacing">--spacing: a name, or auto.</param>
    /// <param name="formulation">The run's formulation: its full step count (T for a table) and, for a continuous one, Karras' spacing by default.</param>
    /// <param name="defaultSteps">Steps when neither the user nor the run gives them; null: the sampler's own default (<c>ddpm eval</c> passes the reference protocol's 250).</param>
    public static SamplingPlan Resolve(SamplingConfig? run, string? sampler, int? steps, string spacing, IFormulation formulation, int? defaultSteps = null)
    {
        ArgumentNullException.ThrowIfNull(spacing);
        ArgumentNullException.ThrowIfNull(formulation);
        run ??= new SamplingConfig();
        string runSampler = run.Sampler ?? formulation.DefaultSampler;
        var entry = Samplers.Find(sampler ?? runSampler);
        bool runs = entry.Name == Samplers.Find(runSampler).Name;
        int resolvedSteps = steps ?? (runs ? run.Steps : null) ?? defaultSteps ?? entry.StepsFor(formulation.FullSteps);
        string spacingName = spacing == "auto" && runs ? run.Spacing : spacing;
        return new SamplingPlan(entry.Name, resolvedSteps, TimestepSpacings.Parse(spacingName, entry.Name, formulation));
    }
}
