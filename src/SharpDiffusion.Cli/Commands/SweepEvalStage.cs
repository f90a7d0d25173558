using SharpDiffusion.Evaluation;
using SharpDiffusion.Experiments;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// <c>ddpm sweep --eval</c>: after training, <c>ddpm eval</c> on each run with the sweep's <c>--eval-…</c> options
/// (by default every checkpoint, the reference protocol, the run's own sampler).
/// </summary>
/// <param name="template">ddpm eval's settings for every run, less the run folder (<c>--run</c>).</param>
internal sealed class SweepEvalStage(EvalSettings template) : ISweepStage
{
    private readonly EvalProtocolSettings _protocol = template.Protocol;

    public string Describe(SweepRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return $"evaluating {EvalCheckpoints.Label(_protocol.Checkpoints)} ({_protocol.Describe(_protocol.PlanFor(run.Config))})";
    }

    public void ThrowIfUnsuitable(SweepRun run) => SweepEvaluation.Naming(run, () =>
    {
        _protocol.ThrowIfUnsuitable(run.Config);
        _protocol.Check(() => EvalCheckpoints.ThrowIfNeverKept(_protocol.Checkpoints, run.Config.Training));
    });

    /// <summary>What <c>ddpm eval</c> is given for this run: the sweep's evaluation options, its --device and --data.</summary>
    internal EvalSettings SettingsFor(SweepRun run) => template with { Run = run.Run.Root };

    public void Run(SweepRun run, CancellationToken cancellationToken) => new EvalRunner(SettingsFor(run), cancellationToken).Execute();
}

/// <summary>
/// <c>ddpm sweep --then SR --eval</c>: after the upscaler has trained, <c>ddpm eval --upscale SR</c> on each base's latest
/// checkpoint with the sweep's <c>--eval-…</c> options (the upscaler samples with the base's sampler and steps).
/// </summary>
/// <param name="template">ddpm eval's settings for every run, less the run folder (<c>--run</c>).</param>
internal sealed class SweepCascadeEvalStage(string upscaler, EvalSettings template) : ISweepStage
{
    /// <summary>A cascade is measured on one checkpoint of its base: the latest, whatever <c>--eval-checkpoints</c> chose for the runs alone.</summary>
    private readonly EvalProtocolSettings _protocol = template.Protocol with { Checkpoints = "latest" };

    public string Describe(SweepRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return $"evaluating the cascade with {Path.GetFileName(upscaler)} (the latest checkpoint; {_protocol.Describe(_protocol.PlanFor(run.Config))}; the upscaler samples as the base)";
    }

    public void ThrowIfUnsuitable(SweepRun run) => SweepEvaluation.Naming(run, () => _protocol.ThrowIfUnsuitable(run.Config));

    internal EvalSettings SettingsFor(SweepRun run) => template with { Run = run.Run.Root, Protocol = _protocol, Cascade = new CascadeSettings(upscaler) };

    public void Run(SweepRun run, CancellationToken cancellationToken) => new EvalRunner(SettingsFor(run), cancellationToken).Execute();
}

/// <summary>Refusals of a sweep's evaluation options on one config.</summary>
internal static class SweepEvaluation
{
    /// <summary>Runs a check on <paramref name="run"/>; its refusal names the config first ("--configs a.json: --eval-reference test …").</summary>
    public static void Naming(SweepRun run, Action check)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            check();
        }
        catch (Exception e) when (e is UsageException or EvaluationException)
        {
            throw new UsageException($"--configs {run.ConfigPath}: {e.Message}");
        }
    }
}
