using SharpDiffusion.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// training.optimizer adam / adamw: TorchSharp's own per-parameter Adam or AdamW, clip_grad_norm_ and the per-tensor EMA. Reads
/// the gradient norm back to the host every step (clip_grad_norm_ returns a double); kept as the reference the fused path is
/// tested against.
/// </summary>
public sealed class ReferenceUpdate<TModel> : IParameterUpdate<TModel> where TModel : nn.Module
{
    private readonly TModel _model;
    private readonly optim.Optimizer _optimizer;
    private readonly ExponentialMovingAverage _ema;
    private readonly double _gradClip;

    public ReferenceUpdate(TModel model, TModel ema, TrainingConfig training, int emaStart)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(training);
        _model = model;
        var t = training;
        _optimizer = t.Optimizer == OptimizerKind.Adamw
            ? optim.AdamW(model.parameters(), t.Lr, t.AdamBeta1, t.AdamBeta2, eps: 1e-8, weight_decay: t.WeightDecay)
            : optim.Adam(model.parameters(), t.Lr, t.AdamBeta1, t.AdamBeta2, eps: 1e-8, weight_decay: t.WeightDecay);
        _ema = new ExponentialMovingAverage(model, ema, EmaSchedule.From(t, emaStart));
        _gradClip = t.GradClip > 0 ? t.GradClip : double.PositiveInfinity;
    }

    public TModel ForwardModel => _model;
    public ScalarType ComputeType => ScalarType.Float32;
    public IEnumerable<optim.ILearningRateController> ParamGroups => _optimizer.ParamGroups;
    public optim.Optimizer Checkpointed => _optimizer;

    public void ZeroGrad() => _optimizer.zero_grad();

    public Tensor Apply(int stepNumber, Action<string>? phaseEnded = null)
    {
        double norm = nn.utils.clip_grad_norm_(_model.parameters(), _gradClip); // host sync
        phaseEnded?.Invoke(StepPhases.Clip);
        if (!double.IsFinite(norm))
        {
            _optimizer.zero_grad();
            return tensor(false);
        }
        _optimizer.step();
        phaseEnded?.Invoke(StepPhases.Optimizer);
        _ema.Update(stepNumber);
        phaseEnded?.Invoke(StepPhases.Ema);
        return tensor(true);
    }

    public void PrepareSave()
    {
    }

    public void AfterLoad()
    {
    }

    public void Dispose() => _optimizer.Dispose();
}
