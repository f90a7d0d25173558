using SharpDiffusion.Sampling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpDiffusion.Training.Fused;

/// <summary>
/// Adam (L2 weight decay) or AdamW (decoupled) over <see cref="FlatParameters"/>: each step is a handful of kernels over whole
/// buffers instead of TorchSharp's per-parameter managed loop. Same update as torch.optim.Adam / AdamW (Kingma &amp; Ba 2015,
/// Alg. 1 with bias correction; ε outside the square root; Loshchilov &amp; Hutter 2019 for the decoupled decay), equal to
/// TorchSharp's own Adam up to float rounding (tests: 50 steps, 1e-6).
/// </summary>
/// <remarks>
/// TorchSharp's Adam/AdamW object is kept as the bookkeeper: its param group carries the learning rate the trainer sets each
/// step, and its per-parameter moment tensors are re-pointed to views of the flat moment buffers, so its save_state_dict /
/// load_state_dict write and read the live state in TorchSharp's own format (checkpoints of adam and fused-adam are
/// interchangeable). The applied-step count lives on the device, because whether a step is applied (finite gradients) is only
/// known there; <see cref="PrepareSave"/> and <see cref="AfterLoad"/> copy it to and from the bookkeeper's per-parameter counts.
/// </remarks>
public sealed class FusedAdam : IDisposable
{
    // held Scalars: see Scaled
    private static readonly Scalar StepFloor = 1.ToScalar();
    private static readonly Scalar BiasOne = 1.ToScalar();
    private static readonly Scalar L2Factor = 1.ToScalar();
    private static readonly Scalar PositiveInfinity = double.PositiveInfinity.ToScalar();

    private readonly FlatParameters _parameters;
    private readonly OptimizerHelper _bookkeeper;
    private readonly Tensor[] _expAvg;
    private readonly Tensor[] _expAvgSq;
    private readonly Tensor _steps;
    private readonly Tensor _beta1;
    private readonly Tensor _beta2;
    private readonly double _b1, _b2, _eps, _weightDecay;
    private readonly bool _decoupled;

    /// <param name="parameters">The trained parameters, flattened with gradient buffers.</param>
    /// <param name="decoupled">AdamW (θ ← θ·(1 − lr·λ) before the Adam step) instead of Adam's L2 term (g ← g + λθ).</param>
    public FusedAdam(FlatParameters parameters, double lr, double beta1, double beta2, double eps, double weightDecay, bool decoupled)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Groups.Any(g => g.Gradients is null)) throw new ArgumentException("FusedAdam needs FlatParameters built with gradient buffers");
        _parameters = parameters;
        (_b1, _b2, _eps, _weightDecay, _decoupled) = (beta1, beta2, eps, weightDecay, decoupled);
        var all = parameters.Groups.SelectMany(g => g.Members).ToArray();
        _bookkeeper = decoupled ? optim.AdamW(all, lr, beta1, beta2, eps, weightDecay) : optim.Adam(all, lr, beta1, beta2, eps, weightDecay);

        var states = _bookkeeper.state_dict().State;
        _expAvg = new Tensor[parameters.Groups.Count];
        _expAvgSq = new Tensor[parameters.Groups.Count];
        int index = 0;
        for (int g = 0; g < parameters.Groups.Count; g++)
        {
            var group = parameters.Groups[g];
            var shapes = group.Members.Select(p => p.shape).ToArray();
            _expAvg[g] = zeros_like(group.Values).DetachFromDisposeScope();
            _expAvgSq[g] = zeros_like(group.Values).DetachFromDisposeScope();
            var avgViews = FlatBuffer.Views(_expAvg[g], shapes);
            var sqViews = FlatBuffer.Views(_expAvgSq[g], shapes);
            for (int i = 0; i < group.Members.Length; i++, index++) Moments.Rebind(states[index], avgViews[i], sqViews[i]);
        }
        var device = parameters.Groups[0].Values.device;
        _steps = zeros([], ScalarType.Float64, device).DetachFromDisposeScope();
        _beta1 = tensor(beta1, ScalarType.Float64, device).DetachFromDisposeScope();
        _beta2 = tensor(beta2, ScalarType.Float64, device).DetachFromDisposeScope();
    }

    /// <summary>The learning-rate controllers (one group), set by the trainer before each step.</summary>
    public IEnumerable<optim.ILearningRateController> ParamGroups => _bookkeeper.ParamGroups;

    /// <summary>What a checkpoint saves and loads (TorchSharp's Adam/AdamW format); call <see cref="PrepareSave"/> first and <see cref="AfterLoad"/> after.</summary>
    public optim.Optimizer Checkpointed => _bookkeeper;

    /// <summary>
    /// One update from the current gradients, applied only where <paramref name="finite"/> (0-dim bool on the device) is true:
    /// otherwise parameters, moments and the step count stay bit-for-bit as they were. The gradients must be finite or zero
    /// (<see cref="DeviceGradientClip.Clip"/> guarantees this). Nothing is read back to the host.
    /// </summary>
    public void Step(Tensor finite)
    {
        ArgumentNullException.ThrowIfNull(finite);
        double lr = _bookkeeper.ParamGroups.First().LearningRate;
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var applied = finite.to(ScalarType.Float64);
        _steps.PlusInPlace(applied);
        // Bias corrections from the applied-step count; clamped to 1 so that a skipped first step does not divide by zero.
        var t = _steps.clamp_min(StepFloor);
        var bc1 = _beta1.pow(t).negative().Plus(BiasOne);
        var bc2 = _beta2.pow(t).negative().Plus(BiasOne);
        // A skipped step multiplies the moments by 1 and adds 0·g; its denominator is +∞, so θ moves by m/∞ = 0.
        var one = ones_like(_beta1);
        var beta1 = where(finite, _beta1, one);
        var beta2 = where(finite, _beta2, one);
        // denom·bc1 = (√v/√bc2 + ε)·bc1, so that θ − lr·m/(denom·bc1) = θ − (lr/bc1)·m/(√v/√bc2 + ε) with a host-side lr.
        var scaleSqrt = bc1 / bc2.sqrt();
        var epsTerm = where(finite, Scaled.By(bc1, _eps), full_like(bc1, PositiveInfinity));
        using var decoupledFactor = (1 - lr * _weightDecay).ToScalar();
        using var weightDecay = _weightDecay.ToScalar();
        var decay = _weightDecay == 0 ? null : _decoupled ? where(finite, full_like(one, decoupledFactor), one) : where(finite, full_like(one, weightDecay), zeros_like(one));
        using var gradientWeight = (1 - _b1).ToScalar();
        using var squareWeight = (1 - _b2).ToScalar();
        using var stepSize = (-lr).ToScalar();

        for (int g = 0; g < _parameters.Groups.Count; g++)
        {
            var group = _parameters.Groups[g];
            var (p, grad, m, v) = (group.Values, group.Gradients!, _expAvg[g], _expAvgSq[g]);
            if (decay is not null && _decoupled) p.mul_(decay);
            if (decay is not null && !_decoupled) grad.addcmul_(p, decay, value: L2Factor); // L2: g ← g + λθ (0 on skipped steps)
            m.mul_(beta1).add_(grad, alpha: gradientWeight);
            v.mul_(beta2).addcmul_(grad, grad, value: squareWeight);
            var denom = v.sqrt().mul_(scaleSqrt).PlusInPlace(epsTerm);
            p.addcdiv_(m, denom, value: stepSize);
        }
    }

    /// <summary>Copies the device step count into the bookkeeper's per-parameter counts (one host read, at checkpoints only).</summary>
    public void PrepareSave()
    {
        long steps = (long)_steps.item<double>();
        foreach (var state in _bookkeeper.state_dict().State) Moments.SetStep(state, steps);
    }

    /// <summary>After the bookkeeper's state was loaded in place: takes its step count back to the device.</summary>
    public void AfterLoad()
    {
        using var steps = Moments.GetStep(_bookkeeper.state_dict().State[0]).ToScalar();
        _steps.fill_(steps);
    }

    public void Dispose()
    {
        _bookkeeper.Dispose();
        foreach (var t in _expAvg.Concat(_expAvgSq)) t.Dispose();
        _steps.Dispose();
        _beta1.Dispose();
        _beta2.Dispose();
    }

    /// <summary>Access to the moment tensors and step counts of TorchSharp's Adam and AdamW states (two unrelated classes).</summary>
    private static class Moments
    {
        public static void Rebind(OptimizerState state, Tensor expAvg, Tensor expAvgSq)
        {
            switch (state)
            {
                case Adam.State s:
                    s.exp_avg.Dispose();
                    s.exp_avg_sq.Dispose();
                    (s.exp_avg, s.exp_avg_sq) = (expAvg, expAvgSq);
                    break;
                case AdamW.State s:
                    s.exp_avg.Dispose();
                    s.exp_avg_sq.Dispose();
                    (s.exp_avg, s.exp_avg_sq) = (expAvg, expAvgSq);
                    break;
                default:
                    throw new InvalidOperationException($"unexpected optimizer state {state.GetType().Name}");
            }
        }

        public static void SetStep(OptimizerState state, long step)
        {
            if (state is Adam.State a) a.step = step;
            else if (state is AdamW.State w) w.step = step;
        }

        public static long GetStep(OptimizerState state) => state switch
        {
            Adam.State a => a.step,
            AdamW.State w => w.step,
            _ => 0,
        };
    }
}
