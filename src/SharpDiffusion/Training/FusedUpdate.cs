using SharpDiffusion.Config;
using SharpDiffusion.Models;
using SharpDiffusion.Training.Fused;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// training.optimizer fused-adam / fused-adamw: parameters, gradients, moments and EMA in flat buffers; clipping, Adam and EMA
/// are a few whole-buffer kernels, and a non-finite step is skipped on the device (no host read per step). With
/// training.precision bf16, forward and backward run on a bf16 copy and the update stays fp32 (<see cref="LowPrecisionCopy"/>).
/// </summary>
public sealed class FusedUpdate : IParameterUpdate<UNet>
{
    private readonly UNet _model;
    private readonly FlatParameters _parameters;
    private readonly Tensor[] _gradients;
    private readonly FusedAdam _optimizer;
    private readonly FusedExponentialMovingAverage _ema;
    private readonly LowPrecisionCopy? _lowPrecision;
    private readonly double _gradClip;

    /// <param name="lowPrecisionModel">A fresh network of the same config on the same device when training in bf16, else null.</param>
    public FusedUpdate(UNet model, UNet ema, TrainingConfig training, int emaStart, UNet? lowPrecisionModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        var t = training;
        _model = model;
        _parameters = new FlatParameters(model, withGradients: true);
        _gradients = _parameters.Groups.Select(g => g.Gradients!).ToArray(); // fixed buffers: gathered once, not per step
        _optimizer = new FusedAdam(_parameters, t.Lr, t.AdamBeta1, t.AdamBeta2, eps: 1e-8, t.WeightDecay, decoupled: t.Optimizer == OptimizerKind.FusedAdamw);
        _ema = new FusedExponentialMovingAverage(_parameters, ema, EmaSchedule.From(t, emaStart));
        _lowPrecision = lowPrecisionModel is null ? null : new LowPrecisionCopy(_parameters, lowPrecisionModel);
        _gradClip = t.GradClip;
    }

    public UNet ForwardModel => _lowPrecision?.Model ?? _model;
    public ScalarType ComputeType => _lowPrecision is null ? ScalarType.Float32 : ScalarType.BFloat16;
    public IEnumerable<optim.ILearningRateController> ParamGroups => _optimizer.ParamGroups;
    public optim.Optimizer Checkpointed => _optimizer.Checkpointed;

    public void ZeroGrad()
    {
        _parameters.ZeroGradients();
        _lowPrecision?.Parameters.ZeroGradients();
    }

    public Tensor Apply(int stepNumber, Action<string>? phaseEnded = null)
    {
        _lowPrecision?.CopyGradientsToMaster();
        var finite = DeviceGradientClip.Clip(_gradients, _gradClip);
        phaseEnded?.Invoke(StepPhases.Clip);
        _optimizer.Step(finite);
        phaseEnded?.Invoke(StepPhases.Optimizer);
        _ema.Update(stepNumber, finite);
        _lowPrecision?.CopyWeightsFromMaster();
        phaseEnded?.Invoke(StepPhases.Ema);
        return finite;
    }

    public void PrepareSave() => _optimizer.PrepareSave();

    public void AfterLoad()
    {
        _optimizer.AfterLoad();
        _lowPrecision?.CopyWeightsFromMaster();
    }

    public void Dispose()
    {
        _lowPrecision?.Dispose();
        _ema.Dispose();
        _optimizer.Dispose();
        _parameters.Dispose();
    }
}
