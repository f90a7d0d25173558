using SharpDiffusion.Experiments;

namespace SharpDiffusion.Cli.Commands;

/// <summary>The options of <c>ddpm sweep</c> after parsing (see <see cref="SweepCommand"/> for their help texts).</summary>
internal sealed record SweepSettings
{
    public IReadOnlyList<string> Configs { get; init; } = [];
    public string Out { get; init; } = "runs";
    public string? Data { get; init; }
    public string? Device { get; init; }
    public IReadOnlyList<string> Set { get; init; } = [];
    public string? Cache { get; init; }

    /// <summary>
    /// Work done on each run folder once its training is complete (also for runs skipped as already finished), in order.
    /// <c>--eval</c> adds <see cref="SweepEvalStage"/>.
    /// </summary>
    public IReadOnlyList<ISweepStage> AfterTraining { get; init; } = [];

    /// <summary><c>--then</c>: an upscaler's config, trained after every run; null: none.</summary>
    public string? Then { get; init; }

    /// <summary>Work done on each run, as the base of the cascade, once the upscaler has trained (<c>--then</c> with <c>--eval</c>).</summary>
    public Func<string, IReadOnlyList<ISweepStage>> AfterUpscaler { get; init; } = _ => [];
}

/// <summary>One step a sweep runs on a finished run folder (e.g. evaluation).</summary>
internal interface ISweepStage
{
    /// <summary>What the stage does to <paramref name="run"/>, printed before it starts (an evaluation names its protocol).</summary>
    string Describe(SweepRun run);

    /// <summary>Refuses, in one sentence, what would make the stage fail on <paramref name="run"/>: called for every run before anything trains.</summary>
    void ThrowIfUnsuitable(SweepRun run);

    void Run(SweepRun run, CancellationToken cancellationToken);
}
