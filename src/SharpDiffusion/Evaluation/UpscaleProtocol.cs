using System.Globalization;
using System.Text.RegularExpressions;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// The second stage of a cascade evaluation (<c>ddpm eval --upscale</c>): which upscaler — its run folder and checkpoint
/// step — and how it sampled. Part of <see cref="EvaluationProtocol"/> and <see cref="CurveProtocol"/>, and recorded with
/// every cascade entry, so a cascade point never shares a settings key or a curve with a base-only point or another upscaler's.
/// </summary>
/// <param name="Run">The upscaler's run folder (absolute).</param>
/// <param name="Step">The upscaler checkpoint's step.</param>
/// <param name="AugmentationLevel">Noise-conditioning augmentation level s ∈ [0, 1] of the low-resolution input (CDM §3).</param>
/// <param name="Guidance">Guidance weight on the low-resolution condition; 0 is the conditional branch alone.</param>
/// <param name="Sampler">The upscaler's sampler (registry name).</param>
/// <param name="Steps">The upscaler's sampler steps.</param>
/// <param name="InputSize">Side of the upscaler's input (the base's output).</param>
/// <param name="OutputSize">Side of the upscaler's output, where the cascade is measured.</param>
public sealed partial record UpscaleProtocol(string Run, int Step, double AugmentationLevel, double Guidance, string Sampler, int Steps, int InputSize, int OutputSize)
{
    /// <summary>The protocol of sampling with <paramref name="upscaler"/> (its checkpoint's step and its augmentation level).</summary>
    public static UpscaleProtocol Of(Training.CascadeUpscaler upscaler, double guidance, string sampler, int steps)
    {
        ArgumentNullException.ThrowIfNull(upscaler);
        return new UpscaleProtocol(upscaler.Run, upscaler.Metadata.Step, upscaler.Level, guidance, sampler, steps, upscaler.InputSize, upscaler.OutputSize);
    }

    /// <summary>The upscaler run's folder name.</summary>
    public string RunName => Path.GetFileName(Run.TrimEnd('/', '\\'));

    /// <summary>What <see cref="EvaluationProtocol.SettingsKey"/> appends for this stage.</summary>
    public string SettingsKey => F($"upscale={Run}@{Step};aug_level={AugmentationLevel};upscale_guidance={Guidance};upscale_sampler={Sampler};upscale_steps={Steps}");

    /// <summary>For people: "upscaled 16→32 by demo-sr step 1500 (s = 0.2, w = 0, ddim 25 steps)".</summary>
    public string Label => F($"upscaled {InputSize}→{OutputSize} by {RunName} step {Step} (s = {AugmentationLevel:G4}, w = {Guidance:G4}, {Sampler} {Steps} steps)");

    /// <summary>For tags and file names: "up-demo-sr-1500-s0.2-w0-ddim25" (letters, digits, '.', '-' and '_' only).</summary>
    public string Tag => Unsafe().Replace(F($"up-{RunName}-{Step}-s{AugmentationLevel:G4}-w{Guidance:G4}-{Sampler}{Steps}"), "-");

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex Unsafe();
}
