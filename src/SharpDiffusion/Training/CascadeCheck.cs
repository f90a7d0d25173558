using SharpDiffusion.Config;

namespace SharpDiffusion.Training;

/// <summary>Whether two checkpoints make a cascade: a base stage whose output is the upscaler's input.</summary>
public static class CascadeCheck
{
    /// <summary>Refuses a checkpoint that is not a super-resolution stage (given where an upscaler is expected).</summary>
    public static void ThrowIfNotUpscaler(CheckpointMetadata upscaler, string origin)
    {
        ArgumentNullException.ThrowIfNull(upscaler);
        if (upscaler.Family != ModelFamily.SuperResolution || upscaler.Config.Model.SuperResolution is null)
            throw new CheckpointException($"{origin} is a {upscaler.Family} model, not an upscaler; pass a run trained with model.super_resolution (e.g. ddpm train --config configs/demo-sr.json).");
    }

    /// <summary>Refuses a pair whose sizes or channels do not chain, or whose first stage is itself an upscaler.</summary>
    public static void ThrowIfIncompatible(CheckpointMetadata first, string firstOrigin, CheckpointMetadata upscaler, string upscalerOrigin)
    {
        ArgumentNullException.ThrowIfNull(first);
        ThrowIfNotUpscaler(upscaler, upscalerOrigin);
        if (!ModelFamily.SamplesFromNoise(first.Family))
            throw new CheckpointException($"{firstOrigin} is a {first.Family} model; the first stage of a cascade must be a pixel or latent model that samples from noise (--run).");
        int input = upscaler.Config.Model.SuperResolution!.InputSize;
        if (input != first.ImageSize)
            throw new CheckpointException($"{upscalerOrigin} upscales {input}×{input} images but {firstOrigin} makes {first.ImageSize}×{first.ImageSize}; train the upscaler with model.super_resolution.input_size={first.ImageSize}.");
        if (upscaler.Channels != first.Channels)
            throw new CheckpointException($"{upscalerOrigin} takes {upscaler.Channels}-channel images but {firstOrigin} makes {first.Channels}-channel ones; train both with the same data.channels.");
    }

    /// <summary>The same check on two resolved configs, before either is trained (<c>ddpm slurm/sweep --then</c>).</summary>
    public static void ThrowIfIncompatible(RunConfig first, string firstOrigin, RunConfig upscaler, string upscalerOrigin)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(upscaler);
        ThrowIfIncompatible(CheckpointMetadata.Planned(first), firstOrigin, CheckpointMetadata.Planned(upscaler), upscalerOrigin);
    }
}
