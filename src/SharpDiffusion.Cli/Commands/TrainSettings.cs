namespace SharpDiffusion.Cli.Commands;

/// <summary>The options of <c>ddpm train</c> after parsing (see <see cref="TrainCommand"/> for their help texts).</summary>
internal sealed record TrainSettings
{
    public string? Config { get; init; }
    public string? Data { get; init; }
    public string? Out { get; init; }
    public int? Steps { get; init; }
    public string? Device { get; init; }
    public bool Resume { get; init; }

    /// <summary>With <see cref="Resume"/>: the checkpoint file to continue from; null for the run's latest.</summary>
    public string? ResumeFrom { get; init; }
    public IReadOnlyList<string> Set { get; init; } = [];
    public string? Cache { get; init; }
    public bool DryRun { get; init; }
}
