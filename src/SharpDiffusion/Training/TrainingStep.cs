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
    /// <summary>Runs step <paramref name="step"/> (1-based) and returns the loss, detached, still on the device (no host sync).</summary>
    /// <remarks>Call inside a dispose scope; the returned tensor belongs to it.</remarks>
    public Tensor Run(int step, Tensor images, Tensor labels, Generator generator)
    {
        var t = config.Training;
        double lr = LearningRateSchedule.At(step, t.Lr, t.WarmupSteps);
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
        Tensor? conditioning = config.Model.ClassConditional ? DropLabels(labels, generator) : null;
        var loss = diffusion.TrainingLoss((xt, ts) => model.forward(xt, ts, conditioning), images, generator);
        optimizer.zero_grad();
        loss.backward();
        if (t.GradClip > 0) nn.utils.clip_grad_norm_(model.parameters(), t.GradClip);
        optimizer.step();
        ema.Update(step);
        return loss.detach();
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
