using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Training;
using Spectre.Console;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary>The library's <see cref="CascadeUpscaler"/> with a progress bar, for <c>ddpm sample --upscale</c> and <c>ddpm upscale</c>.</summary>
internal static class UpscaleStage
{
    /// <summary>Super-resolves <paramref name="low"/> (float [N, C, h, w] in [−1, 1]); returns [N, C, H, W] in [−1, 1] on the CPU.</summary>
    public static Tensor Run(CascadeUpscaler upscaler, Tensor low, UpscaleSampling sampling, Device device, Tensor? startingNoise = null)
    {
        int steps = sampling.StepsFor(Formulations.For(upscaler.Metadata.Config.Diffusion));
        Tensor images = null!;
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask($"upscale {upscaler.InputSize}→{upscaler.OutputSize}, {sampling.Sampler} {steps} steps, s = {upscaler.Level}", maxValue: low.shape[0]);
            images = upscaler.Upscale(low, sampling, device, (done, _) => task.Value = done, startingNoise);
        });
        return images;
    }
}
