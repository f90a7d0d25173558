// Copied from src/SharpDiffusion/Training/TrainingStep.cs at 8b02e6c as the oracle for issue 22's contract refactor; do
// not edit. Renamed with a Legacy prefix; the loss is LegacyGaussianDiffusion's, the rest (learning rate, condition
// dropout, parameter update) is production code the refactor does not touch.
using SharpDiffusion.Config;
using SharpDiffusion.Models;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>One optimizer step on one batch (x₀, conditioning): condition dropout, diffusion loss, backward, then the update.</summary>
internal sealed class LegacyTrainingStep(RunConfig config, IParameterUpdate<UNet> update, LegacyGaussianDiffusion diffusion)
{
    public (Tensor Loss, Tensor Applied) Run(int step, Tensor images, Conditioning conditioning, Generator generator)
    {
        var t = config.Training;
        double lr = LearningRateSchedule.At(step, t.Lr, t.WarmupSteps);
        foreach (var group in update.ParamGroups) group.LearningRate = lr;
        var network = update.ForwardModel;
        var dropped = network.Accepts.DropOut(conditioning, images.shape[0], generator, images.device);
        var computeType = update.ComputeType;
        // The diffusion draws noise and computes the loss in fp32; only the network runs in the compute type.
        var loss = diffusion.TrainingLoss((xt, ts) => network.forward(xt.to(computeType), ts, dropped), images, generator);
        update.ZeroGrad();
        loss.backward();
        var applied = update.Apply(step);
        return (loss.detach(), applied);
    }
}
