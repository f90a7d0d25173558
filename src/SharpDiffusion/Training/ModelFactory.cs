using SharpDiffusion.Config;
using SharpDiffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>Builds the network a config describes, on a device, with weights drawn from the config's seed.</summary>
public static class ModelFactory
{
    public static UNet Create(RunConfig config, int channels, int imageSize, Device device)
    {
        random.manual_seed(config.Seed); // initial weights depend on the seed only
        var model = new UNet(config.Model, channels, imageSize);
        // model.to() replaces parameters (PLATFORM.md): move before any optimizer or EMA copy refers to them.
        return device.type == DeviceType.CPU ? model : model.to(device);
    }

    /// <summary>A frozen copy used as the EMA model.</summary>
    public static UNet CreateEma(UNet model, RunConfig config, Device device)
    {
        var ema = Create(config, model.Channels, model.ImageSize, device);
        ExponentialMovingAverage.CopyWeights(model, ema);
        foreach (var p in ema.parameters()) p.requires_grad = false;
        ema.eval();
        return ema;
    }
}
