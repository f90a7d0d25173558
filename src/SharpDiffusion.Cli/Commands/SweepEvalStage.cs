using SharpDiffusion.Evaluation;
using SharpDiffusion.Experiments;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm sweep --eval</c>: after training, <c>ddpm eval --checkpoints all</c> with the reference protocol on each run.</summary>
internal sealed class SweepEvalStage(string? device, string? data, string? extractor, string? inceptionWeights) : ISweepStage
{
    public string Name => "evaluating every checkpoint (reference protocol: 2,500 samples, DDIM 250)";

    public void Run(SweepRun run, CancellationToken cancellationToken)
    {
        var settings = new EvalSettings(run.Run.Root, "all", EvalSettings.ReferenceSamples, string.Join(',', EvaluationMetricNames.All), "ddim",
            EvalSettings.ReferenceSteps, Guidance: 0, 64, device ?? "auto", 0, data, null, extractor, inceptionWeights);
        new EvalRunner(settings, cancellationToken).Execute();
    }
}

/// <summary>
/// <c>ddpm sweep --then SR --eval</c>: after the upscaler has trained, <c>ddpm eval --upscale SR</c> on each base's latest
/// checkpoint with the reference protocol (both stages DDIM 250).
/// </summary>
internal sealed class SweepCascadeEvalStage(string upscaler, string? device, string? data, string? extractor, string? inceptionWeights) : ISweepStage
{
    public string Name => $"evaluating the cascade with {Path.GetFileName(upscaler)} (latest checkpoint; reference protocol in both stages)";

    public void Run(SweepRun run, CancellationToken cancellationToken)
    {
        var settings = new EvalSettings(run.Run.Root, "latest", EvalSettings.ReferenceSamples, string.Join(',', EvaluationMetricNames.All), "ddim",
            EvalSettings.ReferenceSteps, Guidance: 0, 64, device ?? "auto", 0, data, null, extractor, inceptionWeights, Cascade: new CascadeSettings(upscaler));
        new EvalRunner(settings, cancellationToken).Execute();
    }
}
