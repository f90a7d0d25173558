using System.CommandLine;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Sampling;

namespace SharpDiffusion.Cli.Commands;

/// <summary>
/// The options that choose what an evaluation measures, defined once for <c>ddpm eval</c> (<c>--n</c>, <c>--sampler</c>, …)
/// and <c>ddpm sweep --eval</c> (the same options as <c>--eval-n</c>, <c>--eval-sampler</c>, …): names, help, defaults and
/// allowed values. <see cref="EvalProtocolSettings.ThrowIfInvalid"/> checks the values.
/// </summary>
internal sealed class EvalProtocolOptions
{
    private readonly string _prefix;

    /// <param name="prefix">What precedes each option's name: "--" for <c>ddpm eval</c>, "--eval-" for <c>ddpm sweep</c>.</param>
    /// <param name="checkpoints">The default of <c>checkpoints</c>: latest for one run, all for a study's curves.</param>
    /// <param name="help">Put before each description (e.g. "With --eval: ").</param>
    public EvalProtocolOptions(string prefix, string checkpoints, string help = "")
    {
        _prefix = prefix;
        Checkpoints = new(prefix + "checkpoints") { HelpName = "latest|all|STEP,...", Description = help + "Which checkpoints; 'all' gives metric-versus-step curves.", DefaultValueFactory = _ => checkpoints };
        N = new(prefix + "n") { HelpName = "N", Description = help + "Samples per checkpoint. Default 2500, the reference protocol.", DefaultValueFactory = _ => EvaluationProtocol.ReferenceSamples };
        Metrics = new(prefix + "metrics") { HelpName = "LIST", Description = help + "Any of fd (Fréchet distance: FID with the Inception, FD-ResNet18 with resnet18; 'fid' is accepted too),is,kid,pr,memorization.", DefaultValueFactory = _ => string.Join(',', EvaluationMetricNames.All) };
        Sampler = new(prefix + "sampler") { Description = help + Samplers.NameList + ". Default: the run's sampling.sampler, else its formulation's (ddim, the reference protocol; heun on EDM runs; an imported run: as its library sampled)." };
        Steps = new(prefix + "steps") { HelpName = "N", Description = help + "Sampler steps. Default: the run's sampling.steps when the run's own sampler is used, else 250, the reference protocol (DDIM 250)." };
        Spacing = new(prefix + "spacing") { Description = help + $"Timesteps visited; auto: the run's sampling.spacing, else {Samplers.DefaultSpacingHelp}.", DefaultValueFactory = _ => "auto" };
        Guidance = new(prefix + "guidance") { HelpName = "W", Description = help + "Class-conditional runs: classifier-free guidance weight; samples cycle through the classes (image i has class i mod K). Default 0, the plain conditional model." };
        Batch = new(prefix + "batch") { HelpName = "B", Description = help + "Images per forward pass (sampling and extraction).", DefaultValueFactory = _ => 64 };
        Seed = new(prefix + "seed") { HelpName = "S", Description = help + "Sampling seed; sample i depends only on (seed, i)." };
        Reference = new(prefix + "reference") { HelpName = "test|DIR|FILE", Description = help + "Held-out images for FD, KID and precision/recall (memorisation stays against the training images): 'test' (a Fashion-MNIST run's test split), a folder (loaded through the run's data pipeline: resized and converted like the training images), or a .npy of ddpm features / a statistics file (FD only) in the same feature space. Default: the training images." };
        Choices.Restrict(Sampler, Samplers.Names);
        Choices.Restrict(Spacing, TimestepSpacings.NamesWithAuto);
    }

    public Option<string> Checkpoints { get; }

    public Option<int> N { get; }

    public Option<string> Metrics { get; }

    public Option<string?> Sampler { get; }

    public Option<int?> Steps { get; }

    public Option<string> Spacing { get; }

    public Option<double> Guidance { get; }

    public Option<int> Batch { get; }

    public Option<long> Seed { get; }

    public Option<string?> Reference { get; }

    public IEnumerable<Option> All => [Checkpoints, N, Metrics, Sampler, Steps, Spacing, Guidance, Batch, Seed, Reference];

    /// <summary>The values as given (or defaulted); not yet checked.</summary>
    public EvalProtocolSettings Get(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new EvalProtocolSettings(parse.GetValue(Checkpoints)!, parse.GetValue(N), parse.GetValue(Metrics)!, parse.GetValue(Sampler), parse.GetValue(Steps),
            parse.GetValue(Spacing)!, parse.GetValue(Guidance), parse.GetValue(Batch), parse.GetValue(Seed), parse.GetValue(Reference), _prefix);
    }
}
