using SharpDiffusion.Config;
using SharpDiffusion.Models.Autoencoder;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// The adversarial half of LDM's first-stage training, owned by <see cref="AutoencoderObjective"/> when
/// model.autoencoder.discriminator_weight &gt; 0: the <see cref="PatchDiscriminator"/>, its own Adam (the run's lr schedule and
/// betas, no weight decay, as LDM's opt_disc) and the switch-on step. Until then (<see cref="IsActive"/>) nothing here runs.
/// </summary>
public sealed class AutoencoderDiscriminator : IDisposable
{
    /// <summary>The name its weights and optimizer state have in a checkpoint.</summary>
    public const string CheckpointName = "discriminator";

    private readonly AutoencoderConfig _config;
    private readonly TrainingConfig _training;
    private readonly PatchDiscriminator _network;
    private readonly optim.Optimizer _optimizer;
    private readonly double _gradClip;

    public AutoencoderDiscriminator(RunConfig config, int channels, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        _config = config.Model.Autoencoder ?? throw new ArgumentException("the config has no model.autoencoder section.");
        _training = config.Training;
        _network = ModelFactory.CreateDiscriminator(config, channels, device);
        _optimizer = optim.Adam(_network.parameters(), _training.Lr, _training.AdamBeta1, _training.AdamBeta2, eps: 1e-8);
        _gradClip = _training.GradClip > 0 ? _training.GradClip : double.PositiveInfinity;
    }

    /// <summary>What a checkpoint stores of it.</summary>
    public CheckpointFile.AuxiliaryNetwork Checkpointed => new(CheckpointName, _network, _optimizer);

    /// <summary>Whether step <paramref name="stepNumber"/> (1-based) trains adversarially: after discriminator_start steps.</summary>
    public bool IsActive(int stepNumber) => stepNumber > _config.DiscriminatorStart;

    /// <summary>
    /// λ · L_G for the autoencoder's loss, with L_G = −mean D(x̂) and λ the adaptive weight at the decoder's last layer
    /// (<see cref="AdversarialLoss.AdaptiveWeight"/>, times discriminator_weight). The discriminator's own gradients from it are
    /// cleared before its update.
    /// </summary>
    /// <param name="reconstruction">x̂, still attached to the autoencoder's graph.</param>
    /// <param name="pixelAndPerceptual">L_rec of the same batch.</param>
    /// <param name="lastLayerWeight">The decoder's last convolution weight.</param>
    public Tensor GeneratorTerm(Tensor reconstruction, Tensor pixelAndPerceptual, Tensor lastLayerWeight)
    {
        using var scope = NewDisposeScope();
        var generatorLoss = AdversarialLoss.Generator(_network.call(reconstruction));
        var weight = AdversarialLoss.AdaptiveWeight(pixelAndPerceptual, generatorLoss, lastLayerWeight, _config.DiscriminatorWeight);
        return (weight * generatorLoss).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One hinge-loss step of the discriminator on real images and reconstructions of this step's batch (detached), at the
    /// generator's learning rate; skipped when its gradient norm is not finite.
    /// </summary>
    public void Update(int stepNumber, Tensor images, Tensor reconstruction)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(reconstruction);
        double lr = LearningRateSchedule.At(stepNumber, _training.Lr, _training.WarmupSteps);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;
        using var scope = NewDisposeScope();
        var loss = AdversarialLoss.Discriminator(_network.call(images.detach()), _network.call(reconstruction.detach()));
        _optimizer.zero_grad();
        loss.backward();
        double norm = nn.utils.clip_grad_norm_(_network.parameters(), _gradClip); // host sync, as the reference generator update has
        if (double.IsFinite(norm)) _optimizer.step();
        else _optimizer.zero_grad();
    }

    public void Train() => _network.train();

    public void Dispose()
    {
        _optimizer.Dispose();
        _network.Dispose();
    }
}
