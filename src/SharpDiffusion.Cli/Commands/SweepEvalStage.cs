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
