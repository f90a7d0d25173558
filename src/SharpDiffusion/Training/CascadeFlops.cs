using SharpDiffusion.Config;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// Model FLOPs (<see cref="ModelFlops"/>, forward passes) per generated image of a two-stage cascade — the base at its size,
/// then the upscaler at its output size — against one U-Net of the base's config made at the output size. Sampling costs
/// one network evaluation per step; classifier-free guidance would double a stage's count.
/// </summary>
/// <param name="BasePerStep">One forward of the base at <paramref name="BaseSize"/>.</param>
/// <param name="UpscalerPerStep">One forward of the upscaler at <paramref name="OutputSize"/> (its input concatenated to x_t).</param>
/// <param name="SinglePerStep">One forward of the base's U-Net at <paramref name="OutputSize"/>.</param>
public sealed record CascadeFlopsResult(int BaseSize, int OutputSize, double BasePerStep, double UpscalerPerStep, double SinglePerStep, int BaseSteps, int UpscalerSteps)
{
    public double BasePerImage => BasePerStep * BaseSteps;

    public double UpscalerPerImage => UpscalerPerStep * UpscalerSteps;

    public double CascadePerImage => BasePerImage + UpscalerPerImage;

    /// <summary>The single U-Net sampled with the base's step count.</summary>
    public double SinglePerImage => SinglePerStep * BaseSteps;
}

public static class CascadeFlops
{
    /// <param name="baseConfig">The base stage (model.num_classes resolved); its data.image_size is the upscaler's input size.</param>
    /// <param name="upscalerConfig">The super-resolution stage (model.super_resolution).</param>
    public static CascadeFlopsResult Count(RunConfig baseConfig, RunConfig upscalerConfig, int baseSteps, int upscalerSteps)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        ArgumentNullException.ThrowIfNull(upscalerConfig);
        ArgumentOutOfRangeException.ThrowIfLessThan(baseSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(upscalerSteps, 1);
        CascadeCheck.ThrowIfIncompatible(baseConfig, "the base config", upscalerConfig, "the upscaler config");
        int baseSize = baseConfig.Data.ImageSize, outputSize = upscalerConfig.Data.ImageSize;
        return new CascadeFlopsResult(baseSize, outputSize,
            Forward(baseConfig, baseSize), Forward(upscalerConfig, outputSize), Forward(baseConfig, outputSize), baseSteps, upscalerSteps);
    }

    private static double Forward(RunConfig config, int imageSize)
    {
        using var model = ModelFactory.Create(config, config.Data.Channels, imageSize, CPU);
        return ModelFlops.Forward(model, 1, CPU);
    }
}
