using System.Diagnostics;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using SharpDiffusion.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// Timing of the real training step (<see cref="TrainingStep"/>) on random data: warm-up, then each step timed between two
/// device synchronisations, median of repeats. <see cref="PhaseMs"/> holds per-phase medians when profiled (each phase then
/// ends with a synchronisation, which makes the whole step slightly slower than unprofiled).
/// </summary>
public sealed record StepBenchmarkResult(int Dim, long Parameters, int BatchSize, int ImageSize, Precision Precision, OptimizerKind Optimizer,
    double MedianMs, double MinMs, double ImagesPerSecond, double TrainingFlopsPerStep, long PeakRssBytes, IReadOnlyDictionary<string, double>? PhaseMs)
{
    /// <summary>Model FLOP/s at the median step time (3× forward FLOPs per image, <see cref="ModelFlops"/>).</summary>
    public double FlopsPerSecond => TrainingFlopsPerStep / (MedianMs / 1000);
}

public static class StepBenchmark
{
    // held Scalars (see Scaled): uniform [0, 1) to [-1, 1)
    private static readonly Scalar NoiseSpan = 2.ToScalar();
    private static readonly Scalar NoiseShift = 1.ToScalar();

    public static StepBenchmarkResult Measure(RunConfig config, Device device, int warmup, int repeats, bool profile = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(device);
        // A latent config is timed at its latent shape: its training set is encoded once and cached, so a step is the U-Net's alone.
        var (channels, size) = DiffusionShape.Of(config, config.Data.Channels, config.Data.ImageSize);
        int batch = config.Training.BatchSize;
        using var model = ModelFactory.Create(config, channels, size, device);
        using var ema = ModelFactory.CreateEma(model, config, device);
        double flops = 3 * ModelFlops.Forward(model, batch, device);
        using var update = ParameterUpdates.Create(config, model, ema, emaStart: 0);
        using var generator = new Generator((ulong)config.Seed, device);
        var step = new TrainingStep(config, update, Formulations.For(config.Diffusion));
        using var images = rand([batch, channels, size, size], generator: generator, device: device).mul(NoiseSpan).sub(NoiseShift);
        using var labels = zeros([batch], ScalarType.Int64, device);
        var (x0, conditioning) = model.Accepts.FromData(images, labels, generator);
        model.train();
        update.ForwardModel.train();

        var times = new List<double>();
        var phases = StepPhases.All.ToDictionary(p => p, _ => new List<double>());
        var phaseClock = new Stopwatch();
        Action<string>? phaseEnded = profile ? name =>
        {
            DeviceSync.Wait(device);
            phases[name].Add(phaseClock.Elapsed.TotalMilliseconds);
            phaseClock.Restart();
        } : null;
        for (int i = 1; i <= warmup + repeats; i++)
        {
            DeviceSync.Wait(device);
            var clock = Stopwatch.StartNew();
            phaseClock.Restart();
            using (NewDisposeScope())
            {
                step.Run(i, x0, conditioning, generator, i > warmup ? phaseEnded : null);
            }
            DeviceSync.Wait(device);
            if (i > warmup) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        double median = Median(times);
        var phaseMs = profile ? phases.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => Median(kv.Value)) : null;
        return new StepBenchmarkResult(config.Model.Dim, ParameterCount.Of(model), batch, size, config.Training.Precision, config.Training.Optimizer,
            median, times.Min(), batch * 1000 / median, flops, Process.GetCurrentProcess().PeakWorkingSet64, phaseMs);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
