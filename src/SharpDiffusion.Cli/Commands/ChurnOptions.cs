using System.CommandLine;
using SharpDiffusion.Sampling;

namespace SharpDiffusion.Cli.Commands;

/// <summary>Karras et al.'s churn (<see cref="Churn"/>) for the euler and heun samplers, as <c>sample</c> takes it.</summary>
internal sealed class ChurnOptions
{
    public Option<double> Amount { get; } = new("--churn") { HelpName = "S", Description = "euler/heun: S_churn, the stochasticity of Karras et al.'s Algorithm 2 (0 = deterministic; EDM's ImageNet-64: 40)." };

    public Option<double> SigmaMin { get; } = new("--churn-min") { HelpName = "σ", Description = "With --churn: S_min, the smallest σ churned (EDM: 0.05)." };

    public Option<double> SigmaMax { get; } = new("--churn-max") { HelpName = "σ", Description = "With --churn: S_max, the largest σ churned (EDM: 50). Default: no limit.", DefaultValueFactory = _ => double.PositiveInfinity };

    public Option<double> NoiseScale { get; } = new("--churn-noise") { HelpName = "S", Description = "With --churn: S_noise, the scale of the added noise (EDM: 1.003).", DefaultValueFactory = _ => 1.0 };

    public IEnumerable<Option> All => [Amount, SigmaMin, SigmaMax, NoiseScale];

    /// <summary>The churn given, or null when --churn is 0 (then the other three must be left at their defaults); bad values are a usage error.</summary>
    public Churn? Get(ParseResult parse)
    {
        var churn = new Churn(parse.GetValue(Amount), parse.GetValue(SigmaMin), parse.GetValue(SigmaMax), parse.GetValue(NoiseScale));
        if (churn.Problem() is { } problem) throw new UsageException(problem + ".");
        if (churn.IsNone && churn != Churn.None) throw new UsageException("--churn-min, --churn-max and --churn-noise shape the churn; give --churn S (> 0) with them or drop them.");
        return churn.IsNone ? null : churn;
    }
}
