using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// The diffusion families' objective (pixel, latent and super-resolution): the U-Net, its EMA and <see cref="IParameterUpdate"/>,
/// one <see cref="TrainingStep"/> per batch, and EMA sample grids (guided class rows, or upscale comparisons). A latent model
/// trains on the batches as they come (scaled latents) and decodes its grid through its <see cref="ISampleSpace"/>.
/// </summary>
public sealed class DiffusionObjective : ITrainingObjective
{
    // held Scalars: see Scaled
    private static readonly Scalar UnitShift = 1.ToScalar();
    private static readonly Scalar UnitDivisor = 2.ToScalar();

    private readonly RunConfig _config;
    private readonly ImageDataset _data;
    private readonly Device _device;
    private readonly UNet _model;
    private readonly UNet _ema;
    private readonly IParameterUpdate<UNet> _update;
    private readonly IFormulation _formulation;
    private readonly TrainingStep _step;
    private readonly ISampleSpace _space;

    /// <param name="space">Where the model denoises (pixel space, or a latent run's <see cref="Latent.LatentSpace"/>, which the caller owns).</param>
    public DiffusionObjective(RunConfig config, ImageDataset data, ISampleSpace space, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(space);
        _config = config;
        _data = data;
        _space = space;
        _device = device;
        var (channels, size) = DiffusionShape.Of(config, data.Channels, data.ImageSize);
        _model = ModelFactory.Create(config, channels, size, device);
        _ema = ModelFactory.CreateEma(_model, config, device);
        _update = ParameterUpdates.Create(config, _model, _ema, config.Training.EmaStart);
        _formulation = Formulations.For(config.Diffusion);
        _step = new TrainingStep(config, _update, _formulation);
    }

    public CheckpointFile.State StateWith(Generator generator) => new(_model, _ema, _update.Checkpointed, generator);

    public (Tensor Loss, Tensor Applied) Optimise(int stepNumber, Tensor images, Tensor labels, Generator generator)
    {
        CudaDropoutSeed.BeforeStep(_device, _config.Seed, stepNumber);
        var (x0, condition) = _model.Accepts.FromData(images, labels, generator);
        return _step.Run(stepNumber, x0, condition, generator);
    }

    public void Train()
    {
        _model.train();
        _update.ForwardModel.train();
    }

    public void PrepareSave() => _update.PrepareSave();

    public void AfterLoad() => _update.AfterLoad();

    public SampleGridImages SampleGrid()
    {
        // A super-resolution stage upscales the first training images and shows input, bicubic, output and the real image per row.
        if (_ema.Accepts.LowResolution is { } augmentation) return UpscaleGrid(augmentation);
        // A class-conditional model shows one class per grid row (guided), so its grid says whether it follows the label.
        int count = _config.Training.SampleCount;
        var classes = _ema.Accepts.HasClasses ? new ClassLabelSource(ClassRows.Labels(count, _ema.Accepts.Classes)) : null;
        using var images = ImageGenerator.Generate(_ema, _formulation, GridRequest(count, classes), _device, space: _space);
        return new SampleGridImages(images.Plus(UnitShift).div(UnitDivisor), Columns: null);
    }

    private SampleGridImages UpscaleGrid(NoiseConditioningAugmentation augmentation)
    {
        int count = Math.Min(_config.Training.SampleCount, _data.Count);
        using var scope = NewDisposeScope();
        var real = ImageCodec.FromUint8(_data.Images.narrow(0, 0, count));
        var low = augmentation.Downscale(real);
        var source = new LowResolutionSource(low, augmentation.Config.AugmentationLevel, _config.Seed);
        var images = ImageGenerator.Generate(_ema, _formulation, GridRequest(count, source), _device);
        var unit = ImageCodec.ToUnit(UpscaleComparison.Rows(low, images, real));
        return new SampleGridImages(unit.MoveToOuterDisposeScope(), UpscaleComparison.Columns(withReal: true));
    }

    private GenerationRequest GridRequest(int count, IConditioningSource? conditions)
    {
        // The formulation's own sampler at its default spacing: DDIM over DDIM's uniform skip for DDPM, Heun over Karras σ's for EDM.
        var t = _config.Training;
        string sampler = _formulation.DefaultSampler;
        var levels = NoiseLevels.Create(TimestepSpacings.DefaultFor(sampler, _formulation), t.SampleSteps, _formulation);
        return new GenerationRequest(
            count, new SamplerChoice(sampler), levels, _config.Seed,
            BatchSize: count, Conditions: conditions, Guidance: conditions is null ? 0 : t.SampleGuidance);
    }

    public void Dispose()
    {
        _update.Dispose();
        _ema.Dispose();
        _model.Dispose();
    }
}
