using SharpDiffusion.Config;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

/// <summary>
/// Run folders with one checkpoint of a tiny untrained model (1 channel, 8 px, T = 100), its EMA copy moved off the weights.
/// dim 16 keeps every convolution input at 16, 32, 48 or 64 channels, off the widths where oneDNN's AVX-512 float32
/// convolution was wrong for batches (docs/interop.md; Runtime/OneDnnSetup now pads such widths where that host bug occurs), since these models are compared with PyTorch.
/// </summary>
internal static class TinyRuns
{
    public static RunConfig Config(UNetLayout layout, AugmentConfig? augment = null) => new()
    {
        Name = "tiny",
        Data = new DataConfig { ImageSize = 8, Channels = 1, Augment = augment },
        Model = layout == UNetLayout.Ddpm
            ? new ModelConfig { Layout = layout, Dim = 16, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [4], Heads = 2, HeadDim = 4, Groups = 4 }
            : new ModelConfig { Layout = layout, Dim = 16, DimMults = [1, 2], ResBlocks = 2, AttentionResolutions = [4], Heads = 2, HeadDim = 4 },
        Diffusion = new DiffusionConfig { Timesteps = 100, Schedule = BetaSchedule.Linear, BetaStart = 1e-3, BetaEnd = 0.2 },
    };

    /// <summary>The tiny config as an EDM run (the paper's constants, σ_data as given; null leaves it to be resolved).</summary>
    public static RunConfig EdmConfig(UNetLayout layout, double? sigmaData) => Config(layout) with
    {
        Diffusion = new DiffusionConfig { Formulation = DiffusionFormulation.Edm, Edm = new SharpDiffusion.Config.EdmConfig { SigmaData = sigmaData } },
    };

    public static string Create(string folder, UNetLayout layout, int step = 7, AugmentConfig? augment = null) => Create(folder, Config(layout, augment), step);

    public static string Create(string folder, RunConfig config, int step = 7)
    {
        using var model = ModelFactory.Create(config, 1, 8, CPU);
        using var ema = ModelFactory.CreateEma(model, config, CPU);
        using (no_grad())
        {
            foreach (var p in ema.parameters()) p.add_(0.05 * randn_like(p));
        }
        var run = new RunDirectory(folder);
        var path = run.CheckpointPath(step);
        CheckpointFile.Save(path, new CheckpointMetadata { FormatVersion = CheckpointFile.FormatVersionFor(config), Step = step, Config = config, Channels = 1, ImageSize = 8 }, new CheckpointFile.State(model, ema, null, null));
        run.WriteConfig(config);
        run.PublishCheckpoint(path, keepLast: 0);
        return folder;
    }
}
