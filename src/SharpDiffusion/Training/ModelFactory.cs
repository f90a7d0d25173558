using SharpDiffusion.Config;
using SharpDiffusion.Models;
using SharpDiffusion.Models.Autoencoder;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>Builds the network a config describes, on a device, with weights drawn from the config's seed.</summary>
public static class ModelFactory
{
    public static UNet Create(RunConfig config, int channels, int imageSize, Device device)
    {
        random.manual_seed(config.Seed); // initial weights depend on the seed only
        var model = new UNet(config.Model, channels, imageSize, config.Data.Augment);
        // model.to() replaces parameters (PLATFORM.md): move before any optimizer or EMA copy refers to them.
        return device.type == DeviceType.CPU ? model : model.to(device);
    }

    /// <summary>The autoencoder of model.autoencoder, with weights drawn from the config's seed.</summary>
    public static AutoencoderKL CreateAutoencoder(RunConfig config, int channels, int imageSize, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        var autoencoder = config.Model.Autoencoder ?? throw new ArgumentException("the config has no model.autoencoder section.");
        random.manual_seed(config.Seed);
        var model = new AutoencoderKL(autoencoder, channels, imageSize);
        return device.type == DeviceType.CPU ? model : model.to(device);
    }

    /// <summary>The PatchGAN discriminator of model.autoencoder (discriminator_layers, discriminator_dim), with weights drawn from the config's seed.</summary>
    public static PatchDiscriminator CreateDiscriminator(RunConfig config, int channels, Device device)
    {
        ArgumentNullException.ThrowIfNull(config);
        var autoencoder = config.Model.Autoencoder ?? throw new ArgumentException("the config has no model.autoencoder section.");
        random.manual_seed(config.Seed);
        var discriminator = new PatchDiscriminator(autoencoder, channels);
        return device.type == DeviceType.CPU ? discriminator : discriminator.to(device);
    }

    /// <summary>A frozen autoencoder copy used as the EMA model.</summary>
    public static AutoencoderKL CreateEma(AutoencoderKL model, RunConfig config, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ema = CreateAutoencoder(config, model.Channels, model.ImageSize, device);
        Freeze(model, ema);
        return ema;
    }

    /// <summary>A frozen copy used as the EMA model.</summary>
    public static UNet CreateEma(UNet model, RunConfig config, Device device)
    {
        var ema = Create(config, model.Channels, model.ImageSize, device);
        Freeze(model, ema);
        return ema;
    }

    private static void Freeze(nn.Module model, nn.Module ema)
    {
        ExponentialMovingAverage.CopyWeights(model, ema);
        foreach (var p in ema.parameters()) p.requires_grad = false;
        ema.eval();
    }
}
