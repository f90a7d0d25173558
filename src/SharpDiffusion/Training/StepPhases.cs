namespace SharpDiffusion.Training;

/// <summary>Names of the parts of a training step that <c>ddpm bench --profile</c> times separately.</summary>
public static class StepPhases
{
    public const string Forward = "forward+loss";
    public const string Backward = "backward";
    /// <summary>Gradient clipping and the NaN/Inf check (with bf16: also the bf16 → fp32 gradient copy).</summary>
    public const string Clip = "clip";
    public const string Optimizer = "optimizer";
    /// <summary>EMA update (with bf16: also the fp32 → bf16 weight copy).</summary>
    public const string Ema = "ema";

    public static IReadOnlyList<string> All { get; } = [Forward, Backward, Clip, Optimizer, Ema];
}
