namespace SharpDiffusion.Config;

/// <summary>
/// How the run samples when a command is not told otherwise (<c>ddpm sample</c> without --sampler/--steps/--spacing).
/// Trained runs keep the defaults; an imported denoising-diffusion-pytorch run records how the library sampled it
/// (docs/interop.md). Names come from the sampler and spacing registries (Sampling/Samplers.cs, Sampling/TimestepSpacings.cs).
/// </summary>
public sealed record SamplingConfig
{
    /// <summary>A sampler name (ddpm, ddim, dpm-solver++, unipc, euler, heun); null: the formulation's own (ddim for ddpm, heun for edm).</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Sampler { get; init; }

    /// <summary>Network evaluations; null: the sampler's own default (50 for ddim, T for ddpm, …).</summary>
    public int? Steps { get; init; }

    /// <summary>A spacing name (leading, trailing, quadratic, log-snr, ddp) or auto (the sampler's own default).</summary>
    public string Spacing { get; init; } = "auto";
}
