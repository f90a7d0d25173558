using System.Diagnostics;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>Timing of the real training step (<see cref="TrainingStep"/>) on random data: warm-up, then synchronised, median of repeats.</summary>
public sealed record StepBenchmarkResult(int Dim, long Parameters, int BatchSize, int ImageSize, double MedianMs, double MinMs, double ImagesPerSecond, long PeakRssBytes);

public static class StepBenchmark
{
    public static StepBenchmarkResult Measure(RunConfig config, Device device, int warmup, int repeats)
    {
        int size = config.Data.ImageSize, channels = config.Data.Channels, batch = config.Training.BatchSize;
        using var model = ModelFactory.Create(config, channels, size, device);
        using var ema = ModelFactory.CreateEma(model, config, device);
        using var optimizer = TrainingStep.CreateOptimizer(model, config.Training);
        using var generator = new Generator((ulong)config.Seed, device);
        var step = new TrainingStep(config, model, optimizer, new GaussianDiffusion(config.Diffusion),
            new ExponentialMovingAverage(model, ema, config.Training.EmaDecay, config.Training.EmaEvery, start: 0));
        using var images = rand([batch, channels, size, size], generator: generator, device: device).mul(2).sub(1);
        using var labels = zeros([batch], ScalarType.Int64, device);
        model.train();

        var times = new List<double>();
        for (int i = 1; i <= warmup + repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                // item() waits for the device, so the clock covers the whole step.
                step.Run(i, images, labels, generator).Loss.item<float>();
            }
            if (i > warmup) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        double median = times[times.Count / 2];
        return new StepBenchmarkResult(config.Model.Dim, ParameterCount.Of(model), batch, size, median, times[0], batch * 1000 / median,
            Process.GetCurrentProcess().PeakWorkingSet64);
    }
}
