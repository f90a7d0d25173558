using SharpDiffusion.Config;
using SharpDiffusion.Models;

namespace SharpDiffusion.Training;

/// <summary>Builds the <see cref="IParameterUpdate"/> that training.optimizer and training.precision ask for.</summary>
public static class ParameterUpdates
{
    /// <param name="model">The trained model, already on its device.</param>
    /// <param name="ema">Its EMA copy (<see cref="ModelFactory.CreateEma(UNet, RunConfig, TorchSharp.torch.Device)"/>).</param>
    /// <param name="emaStart">Step before which the EMA copies the weights (training.ema_start; 0 in benchmarks).</param>
    public static IParameterUpdate<UNet> Create(RunConfig config, UNet model, UNet ema, int emaStart)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(model);
        var t = config.Training;
        bool fused = t.Optimizer is OptimizerKind.FusedAdam or OptimizerKind.FusedAdamw;
        if (!fused && t.Precision != Precision.Fp32)
            throw new ArgumentException("training.precision bf16 needs training.optimizer fused-adam or fused-adamw.");
        if (!fused) return new ReferenceUpdate<UNet>(model, ema, t, emaStart);
        var lowPrecision = t.Precision == Precision.Bf16 ? ModelFactory.Create(config, model.Channels, model.ImageSize, model.parameters().First().device) : null;
        return new FusedUpdate(model, ema, t, emaStart, lowPrecision);
    }
}
