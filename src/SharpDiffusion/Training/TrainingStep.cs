using SharpDiffusion.Config;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// One optimizer step on one batch (x₀, conditioning): condition dropout, diffusion loss, backward, then the <see cref="IParameterUpdate"/> (gradient clipping,
/// Adam, EMA). Shared by the trainer and <c>ddpm bench</c>, so the benchmark times exactly what training runs.
/// </summary>
public sealed class TrainingStep(RunConfig config, IParameterUpdate<UNet> update, IFormulation formulation)
{
    /// <summary>
    /// Runs step <paramref name="step"/> (1-based). Returns the loss (fp32, detached) and whether the update was applied (0-dim
    /// bool), both still on the device: a step whose gradient norm is NaN/Inf changes nothing (weights, Adam moments and step
    /// count, EMA). With a fused optimizer nothing here waits for the device.
    /// </summary>
    /// <remarks>Call inside a dispose scope; the returned tensors belong to it.</remarks>
    /// <param name="images">The batch's x₀, float [B, C, H, W].</param>
    /// <param name="conditioning">The batch's condition; condition dropout (classifier-free guidance training) is applied here.</param>
    /// <param name="phaseEnded">Profiling only: called with a phase name after each phase (the callee synchronises the device).</param>
    public (Tensor Loss, Tensor Applied) Run(int step, Tensor images, Conditioning conditioning, Generator generator, Action<string>? phaseEnded = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        var t = config.Training;
        double lr = LearningRateSchedule.At(step, t.Lr, t.WarmupSteps);
        foreach (var group in update.ParamGroups) group.LearningRate = lr;
        var network = update.ForwardModel;
        var dropped = network.Accepts.DropOut(conditioning, images.shape[0], generator, images.device);
        var computeType = update.ComputeType;
        // The formulation draws noise and computes the loss in fp32; only the network runs in the compute type.
        var loss = formulation.TrainingLoss((input, time) => network.forward(input.to(computeType), time, dropped), images, generator);
        phaseEnded?.Invoke(StepPhases.Forward);
        update.ZeroGrad();
        loss.backward();
        phaseEnded?.Invoke(StepPhases.Backward);
        var applied = update.Apply(step, phaseEnded);
        return (loss.detach(), applied);
    }
}
