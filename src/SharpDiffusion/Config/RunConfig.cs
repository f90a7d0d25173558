namespace SharpDiffusion.Config;

/// <summary>Everything that defines a training run. Immutable; written into the run directory and every checkpoint.</summary>
public sealed record RunConfig
{
    /// <summary>Run name; also the default run folder name under --out.</summary>
    public string Name { get; init; } = "run";

    /// <summary>Seed of every random choice: initial weights, batches, noise, augmentation.</summary>
    public long Seed { get; init; }

    public DataConfig Data { get; init; } = new();
    public ModelConfig Model { get; init; } = new();
    public DiffusionConfig Diffusion { get; init; } = new();
    public TrainingConfig Training { get; init; } = new();

    /// <summary>The run's default sampler, steps and spacing (configs and checkpoints written before it read as the defaults).</summary>
    public SamplingConfig Sampling { get; init; } = new();
}
