using System.Diagnostics;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Runtime;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>Images per second of DDIM sampling (η = 0, its default spacing: leading on a DDPM table) of one batch with a freshly built model, after one warm-up batch.</summary>
public static class SamplingBenchmark
{
    public static (double ImagesPerSecond, double Seconds) Measure(RunConfig config, Device device, int batch, int steps = 50)
    {
        ArgumentNullException.ThrowIfNull(config);
        var (channels, size) = DiffusionShape.Of(config, config.Data.Channels, config.Data.ImageSize); // a latent model without its decoder
        using var model = ModelFactory.Create(config, channels, size, device);
        model.eval();
        var formulation = Formulations.For(config.Diffusion);
        var spacing = TimestepSpacings.DefaultFor("ddim", formulation);
        var request = new GenerationRequest(batch, new SamplerChoice("ddim"), NoiseLevels.Create(spacing, steps, formulation), config.Seed, BatchSize: batch);
        using (ImageGenerator.Generate(model, formulation, request, device)) DeviceSync.Wait(device);
        var clock = Stopwatch.StartNew();
        using (ImageGenerator.Generate(model, formulation, request, device)) DeviceSync.Wait(device);
        double seconds = clock.Elapsed.TotalSeconds;
        return (batch / seconds, seconds);
    }
}
