using System.Globalization;
using System.Text.RegularExpressions;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// What an evaluation measures, as <see cref="EvalProtocolOptions"/> parsed and checked it (<c>ddpm eval --n …</c>,
/// <c>ddpm sweep --eval --eval-n …</c>): which checkpoints, how many samples drawn how, which metrics against which images.
/// </summary>
/// <param name="Sampler">A sampler's registry name, or null for each run's own (its sampling.sampler, else its formulation's default).</param>
/// <param name="Steps">Sampler steps, or null: the run's sampling.steps when it uses its own sampler, else the reference protocol's 250.</param>
/// <param name="Spacing">A spacing's name, or auto: the run's sampling.spacing when it uses its own sampler, else the sampler's default.</param>
/// <param name="Reference">Held-out images for FD, KID and precision/recall (<see cref="EvaluationReference"/>); null: the training images.</param>
/// <param name="OptionPrefix">How the user typed the options' names: "--" (<c>--n</c>, ddpm eval) or "--eval-" (<c>--eval-n</c>, ddpm sweep).</param>
internal sealed partial record EvalProtocolSettings(
    string Checkpoints, int N, string Metrics, string? Sampler, int? Steps, string Spacing, double Guidance, int Batch, long Seed, string? Reference, string OptionPrefix = "--")
{
    /// <summary>The options' names after the prefix, as the library's and <c>ddpm eval</c>'s messages spell them (<c>--steps</c>).</summary>
    [GeneratedRegex(@"(?<![\w-])--(checkpoints|n|metrics|sampler|steps|spacing|guidance|batch|seed|reference)(?![\w-])", RegexOptions.CultureInvariant)]
    private static partial Regex EvalOptionName();

    /// <summary>Refuses values no run could be evaluated with (one sentence naming the option), before anything is loaded or trained.</summary>
    public void ThrowIfInvalid() => Check(() =>
    {
        if (N < 2) throw new UsageException("--n must be at least 2 (the reference protocol uses 2500).");
        if (Batch < 1) throw new UsageException("--batch must be at least 1.");
        if (Steps is < 1) throw new UsageException("--steps must be at least 1.");
        if (!(Guidance >= 0) || double.IsInfinity(Guidance)) throw new UsageException("--guidance must be a finite number ≥ 0.");
        EvaluationMetricNames.Parse(Metrics);
        EvalCheckpoints.Steps(Checkpoints);
    });

    /// <summary>
    /// Runs <paramref name="check"/> (this class's, the library's or <c>ddpm eval</c>'s, whose messages name eval's options) so
    /// that a refusal names the options as the user typed them: <c>--eval-steps</c> in a sweep.
    /// </summary>
    public void Check(Action check)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            check();
        }
        catch (Exception e) when ((e is UsageException or EvaluationException) && OptionPrefix != "--")
        {
            throw new UsageException(EvalOptionName().Replace(e.Message, m => OptionPrefix + m.Groups[1].Value));
        }
    }

    /// <summary>
    /// Refuses what <c>ddpm eval</c> would refuse on a run of <paramref name="config"/> (<see cref="RunEvaluation.ThrowIfUnsuitable"/>:
    /// steps and spacing the run's formulation cannot take, guidance without classes, a reference that does not fit its data),
    /// before the run is trained.
    /// </summary>
    public void ThrowIfUnsuitable(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        Check(() => RunEvaluation.ThrowIfUnsuitable(ProtocolFor(PlanFor(config)), CheckpointMetadata.Planned(config)));
    }

    /// <summary>The sampler, steps and spacing a run of <paramref name="config"/> is evaluated with.</summary>
    public SamplingPlan PlanFor(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return RunSampling.Resolve(config.Sampling, Sampler, Steps, Spacing, Formulations.For(config.Diffusion), EvaluationProtocol.ReferenceSteps);
    }

    /// <summary>The library's protocol for one run, sampled as <paramref name="plan"/> says (<see cref="PlanFor"/>).</summary>
    public EvaluationProtocol ProtocolFor(SamplingPlan plan, UpscaleProtocol? upscale = null, bool rawWeights = false, string realStats = RealStatistics.Images,
        AutoGuideProtocol? guide = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new EvaluationProtocol(N, EvaluationMetricNames.Parse(Metrics), plan.Sampler, plan.Steps, Guidance, Seed, Batch, rawWeights, upscale, TimestepSpacings.NameOf(plan.Spacing),
            RealStatistics.Parse(realStats), Reference, guide);
    }

    /// <summary>One line for a progress message, e.g. "500 samples, heun 50 steps (karras), seed 0, fd,kid against the test split".</summary>
    public string Describe(SamplingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        string guidance = Guidance == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", guidance {Guidance:G4}");
        string against = Reference switch
        {
            null => "the training images",
            EvaluationReference.TestSplit => "the test split",
            _ => Reference,
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"{N:N0} samples, {plan.Sampler} {plan.Steps} steps ({TimestepSpacings.NameOf(plan.Spacing)}){guidance}, seed {Seed}, {string.Join(',', EvaluationMetricNames.Parse(Metrics))} against {against}");
    }
}
