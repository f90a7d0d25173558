using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// One optimizer step on one batch: diffusion loss, backward, then the <see cref="IParameterUpdate"/> (gradient clipping,
/// Adam, EMA). Shared by the trainer and <c>ddpm bench</c>, so the benchmark times exactly what training runs.
/// </summary>
public sealed class TrainingStep(RunConfig config, IParameterUpdate update, GaussianDiffusion diffusion)
{
    /// <summary>
    /// Runs step <paramref name="step"/> (1-based). Returns the loss (fp32, detached) and whether the update was applied (0-dim
    /// bool), both still on the device: a step whose gradient norm is NaN/Inf changes nothing (weights, Adam moments and step
    /// count, EMA). With a fused optimizer nothing here waits for the device.
    /// </summary>
    /// <remarks>Call inside a dispose scope; the returned tensors belong to it.</remarks>
    /// <param name="phaseEnded">Profiling only: called with a phase name after each phase (the callee synchronises the device).</param>
    public (Tensor Loss, Tensor Applied) Run(int step, Tensor images, Tensor labels, Generator generator, Action<string>? phaseEnded = null)
    {
        var t = config.Training;
        double lr = LearningRateSchedule.At(step, t.Lr, t.WarmupSteps);
        foreach (var group in update.ParamGroups) group.LearningRate = lr;
        Tensor? conditioning = config.Model.ClassConditional ? DropLabels(labels, generator) : null;
        var network = update.ForwardModel;
        var computeType = update.ComputeType;
        // The diffusion draws noise and computes the loss in fp32; only the network runs in the compute type.
        var loss = diffusion.TrainingLoss((xt, ts) => network.forward(xt.to(computeType), ts, conditioning), images, generator);
        phaseEnded?.Invoke(StepPhases.Forward);
        update.ZeroGrad();
        loss.backward();
        phaseEnded?.Invoke(StepPhases.Backward);
        var applied = update.Apply(step, phaseEnded);
        return (loss.detach(), applied);
    }

    /// <summary>Classifier-free guidance training: each label becomes the null class with probability class_dropout.</summary>
    private Tensor DropLabels(Tensor labels, Generator generator)
    {
        var drop = rand([labels.shape[0]], generator: generator, device: labels.device) < config.Model.ClassDropout;
        return where(drop, full_like(labels, config.Model.NumClasses), labels);
    }
}
