using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Models.Autoencoder;
using SharpDiffusion.Models.Perceptual;
using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// The autoencoder family's objective: encode, draw z = μ + σ·ε (from the trainer's generator, so resumes are exact), decode,
/// <see cref="AutoencoderLoss"/>, backward, Adam and EMA. With model.autoencoder.discriminator_weight &gt; 0 it also owns an
/// <see cref="AutoencoderDiscriminator"/>: after discriminator_start steps the loss gains LDM's adaptively weighted λ·L_G and
/// every step ends with one discriminator update (its weights and Adam state are checkpointed beside the model). Its sample
/// grid shows the first training images next to the EMA model's reconstructions Decode(μ(x)).
/// </summary>
public sealed class AutoencoderObjective : ITrainingObjective
{
    private const int GridPairsMax = 64;

    // held Scalars: see Scaled
    private static readonly Scalar ImageMin = (-1).ToScalar();
    private static readonly Scalar ImageMax = 1.ToScalar();
    private static readonly Scalar UnitShift = 1.ToScalar();
    private static readonly Scalar UnitDivisor = 2.ToScalar();

    private readonly RunConfig _config;
    private readonly ImageDataset _data;
    private readonly AutoencoderKL _model;
    private readonly AutoencoderKL _ema;
    private readonly ReferenceUpdate<AutoencoderKL> _update;
    private readonly PerceptualDistance? _perceptual;
    private readonly AutoencoderLoss _loss;
    private readonly AutoencoderDiscriminator? _discriminator;

    /// <param name="perceptualModelDirectory">Where the ResNet-18 ONNX files are (default: next to the application).</param>
    public AutoencoderObjective(RunConfig config, ImageDataset data, Device device, string? perceptualModelDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        var autoencoder = config.Model.Autoencoder ?? throw new ArgumentException("the config has no model.autoencoder section.");
        _config = config;
        _data = data;
        _model = ModelFactory.CreateAutoencoder(config, data.Channels, data.ImageSize, device);
        _ema = ModelFactory.CreateEma(_model, config, device);
        _update = new ReferenceUpdate<AutoencoderKL>(_model, _ema, config.Training, config.Training.EmaStart);
        if (autoencoder.PerceptualWeight > 0)
        {
            var network = new ImageNetResNet18(perceptualModelDirectory);
            _perceptual = new PerceptualDistance(device.type == DeviceType.CPU ? network : network.to(device));
        }
        _loss = new AutoencoderLoss(autoencoder, _perceptual);
        // Built only when used: with weight 0 training draws, computes and stores exactly what it did before the discriminator existed.
        _discriminator = autoencoder.DiscriminatorWeight > 0 ? new AutoencoderDiscriminator(config, data.Channels, device) : null;
    }

    public CheckpointFile.State StateWith(Generator generator) =>
        new(_model, _ema, _update.Checkpointed, generator) { Auxiliary = _discriminator is null ? [] : [_discriminator.Checkpointed] };

    public (Tensor Loss, Tensor Applied) Optimise(int stepNumber, Tensor images, Tensor labels, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(images);
        var t = _config.Training;
        double lr = LearningRateSchedule.At(stepNumber, t.Lr, t.WarmupSteps);
        foreach (var group in _update.ParamGroups) group.LearningRate = lr;
        using var posterior = _model.Encode(images);
        var reconstruction = _model.Decode(posterior.Sample(generator));
        var terms = _loss.Compute(images, reconstruction, posterior);
        var adversary = _discriminator is { } discriminator && discriminator.IsActive(stepNumber) ? discriminator : null;
        var loss = adversary is null ? terms.Total : terms.Total.Plus(adversary.GeneratorTerm(reconstruction, terms.PixelAndPerceptual, _model.LastLayerWeight));
        _update.ZeroGrad();
        loss.backward();
        var applied = _update.Apply(stepNumber);
        // LDM's second optimizer step, on this step's reconstructions (LDM's Lightning loop decodes the batch again for it).
        adversary?.Update(stepNumber, images, reconstruction);
        return (loss.detach(), applied);
    }

    public void Train()
    {
        _model.train();
        _discriminator?.Train();
    }

    public void PrepareSave() => _update.PrepareSave();

    public void AfterLoad() => _update.AfterLoad();

    public SampleGridImages SampleGrid()
    {
        int count = Math.Min(Math.Min(_config.Training.SampleCount, _data.Count), GridPairsMax);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var device = _ema.parameters().First().device;
        var real = ImageCodec.FromUint8(_data.Images.narrow(0, 0, count).to(device));
        var reconstructed = _ema.call(real).clamp(ImageMin, ImageMax);
        var pairs = stack([real, reconstructed], 1).flatten(0, 1).Plus(UnitShift).div(UnitDivisor);
        int pairsPerRow = (int)Math.Ceiling(Math.Sqrt(count));
        return new SampleGridImages(pairs.MoveToOuterDisposeScope(), 2 * pairsPerRow);
    }

    public void Dispose()
    {
        _discriminator?.Dispose();
        _perceptual?.Dispose();
        _update.Dispose();
        _ema.Dispose();
        _model.Dispose();
    }
}
