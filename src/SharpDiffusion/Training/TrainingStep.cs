using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// One optimizer step on one batch: diffusion loss, backward, gradient clipping, Adam, EMA. Shared by the trainer and
/// <c>ddpm bench</c>, so the benchmark times exactly what training runs.
/// </summary>
public sealed class TrainingStep(RunConfig config, UNet model, optim.Optimizer optimizer, GaussianDiffusion diffusion, ExponentialMovingAverage ema)
{
    /// <summary>
    /// Runs step <paramref name="step"/> (1-based). Returns the loss, detached and still on the device, and whether the update
    /// was applied: a step whose gradient norm is NaN/Inf changes nothing (weights, Adam moments, EMA) and is reported as skipped.
    /// </summary>
    /// <remarks>Call inside a dispose scope; the returned tensor belongs to it. The gradient norm is the step's one host sync
    /// (TorchSharp's clip_grad_norm_ returns it as a double).</remarks>
    public (Tensor Loss, bool Applied) Run(int step, Tensor images, Tensor labels, Generator generator)
    {
        var t = config.Training;
        double lr = LearningRateSchedule.At(step, t.Lr, t.WarmupSteps);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
        Tensor? conditioning = config.Model.ClassConditional ? DropLabels(labels, generator) : null;
        var loss = diffusion.TrainingLoss((xt, ts) => model.forward(xt, ts, conditioning), images, generator);
        optimizer.zero_grad();
        loss.backward();
        double norm = nn.utils.clip_grad_norm_(model.parameters(), t.GradClip > 0 ? t.GradClip : double.PositiveInfinity);
        if (!double.IsFinite(norm))
        {
            optimizer.zero_grad();
            return (loss.detach(), false);
        }
        optimizer.step();
        ema.Update(step);
        return (loss.detach(), true);
    }

    /// <summary>Classifier-free guidance training: each label becomes the null class with probability class_dropout.</summary>
    private Tensor DropLabels(Tensor labels, Generator generator)
    {
        var drop = rand([labels.shape[0]], generator: generator, device: labels.device) < config.Model.ClassDropout;
        return where(drop, full_like(labels, config.Model.NumClasses), labels);
    }

    public static optim.Optimizer CreateOptimizer(UNet model, TrainingConfig t) =>
        optim.Adam(model.parameters(), t.Lr, t.AdamBeta1, t.AdamBeta2, eps: 1e-8, weight_decay: t.WeightDecay);
}
