using SharpDiffusion.Config;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>
/// The only place <see cref="LegacySamplerOracleTests"/> calls production sampling and training code. Issue 22 replaces
/// the integer-time contract (timestep lists, ε-denoisers, GaussianDiffusion built at each call site); when it lands, this
/// adapter alone is rewritten to the new API, and the oracle tests must still pass unchanged: that is the proof that the
/// refactor changed no bit. Written at 8b02e6c against the timestep API; rewritten for the noise-level contract (formulations,
/// noise levels), used the way the commands use it.
/// </summary>
internal static class ProductionSampling
{
    /// <summary>
    /// What <c>ddpm sample</c> does for one request: <paramref name="count"/> samples of <paramref name="model"/> in batches of
    /// <paramref name="batchSize"/>, with the sampler <paramref name="sampler"/> (registry name) over <paramref name="steps"/>
    /// timesteps of the spacing named <paramref name="spacing"/> (a command-line name: leading, trailing, quadratic, log-snr,
    /// ddp), on the CPU. Returns the images (float32 [count, …], CPU) as <paramref name="space"/>.ToImages gives them.
    /// </summary>
    /// <param name="clip">null: the model's choice (GenerationRequest.ClipDenoised).</param>
    /// <param name="startingNoise">A given x_T (null: drawn from the seed).</param>
    public static Tensor Generate(IDiffusionNetwork model, DiffusionConfig diffusion, string sampler, double eta, bool largeVariance, string spacing, int steps,
        long seed, int count, int batchSize, IConditioningSource? conditions, double guidance, bool? clip, ISampleSpace? space, Tensor? startingNoise = null)
    {
        var formulation = Formulations.For(diffusion);
        var levels = NoiseLevels.Create(TimestepSpacings.Parse(spacing, sampler, formulation), steps, formulation);
        var request = new GenerationRequest(count, new SamplerChoice(sampler, eta, largeVariance), levels, seed, batchSize, conditions, guidance, clip, startingNoise);
        return ImageGenerator.Generate(model, formulation, request, CPU, space: space);
    }

    /// <summary>One Monte-Carlo estimate of the training loss of <paramref name="model"/> on x₀ under <paramref name="conditioning"/>, drawing from <paramref name="generator"/>.</summary>
    public static Tensor TrainingLoss(IDiffusionNetwork model, DiffusionConfig diffusion, Tensor x0, Conditioning conditioning, Generator generator) =>
        Formulations.For(diffusion).TrainingLoss((xt, t) => model.forward(xt, t, conditioning), x0, generator);

    /// <summary>
    /// Optimizer steps 1 … <paramref name="steps"/> of the trainer's step (condition dropout, loss, backward, update) on one
    /// batch, the pair made by <see cref="ConditioningSpec.FromData"/> each step as the trainer does. Returns each step's loss.
    /// </summary>
    public static float[] TrainingSteps(RunConfig config, IParameterUpdate<UNet> update, Tensor images, Tensor labels, Generator generator, int steps)
    {
        var step = new TrainingStep(config, update, Formulations.For(config.Diffusion));
        var losses = new float[steps];
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var (x0, condition) = update.ForwardModel.Accepts.FromData(images, labels, generator);
            var (loss, applied) = step.Run(i + 1, x0, condition, generator);
            if (!applied.item<bool>()) throw new InvalidOperationException($"step {i + 1} was skipped (non-finite gradient)");
            losses[i] = loss.item<float>();
        }
        return losses;
    }
}
