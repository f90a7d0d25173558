using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Latent;

/// <summary>Tiny autoencoder and latent-diffusion runs for the latent tests (16×16 synthetic shapes, f = 4: 4×4×4 latents).</summary>
internal static class LatentRuns
{
    public static RunConfig Autoencoder(int steps, int seed = 3, int count = 4, int latentChannels = 4) => new()
    {
        Name = "ae",
        Seed = seed,
        Data = new DataConfig { ImageSize = 16, SyntheticCount = count, Hflip = true },
        Model = new ModelConfig { Autoencoder = new AutoencoderConfig { Factor = 4, LatentChannels = latentChannels, Dim = 16, ResBlocks = 1, Groups = 8, PerceptualWeight = 0 } },
        Training = new TrainingConfig
        {
            Steps = steps, BatchSize = 4, Lr = 3e-3, WarmupSteps = 3, Optimizer = OptimizerKind.Adam, EmaDecay = 0.9, EmaStart = 1000,
            LogEvery = 10, CheckpointEvery = 1000, SampleEvery = 0, SampleCount = 4, Device = "cpu",
        },
    };

    /// <summary>A small x₀-objective U-Net on the latents of <paramref name="autoencoder"/> (a run folder or checkpoint).</summary>
    public static RunConfig Latent(string autoencoder, int steps, int seed = 5, int count = 4) => new()
    {
        Name = "latent",
        Seed = seed,
        Data = new DataConfig { ImageSize = 16, SyntheticCount = count, Hflip = true },
        Model = new ModelConfig
        {
            Dim = 16, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [], Heads = 1, HeadDim = 16, Groups = 8,
            Latent = new LatentConfig { Autoencoder = autoencoder },
        },
        Diffusion = new DiffusionConfig { Timesteps = 100, Objective = Objective.X0, Schedule = BetaSchedule.Cosine },
        Training = new TrainingConfig
        {
            Steps = steps, BatchSize = 8, Lr = 2e-3, WarmupSteps = 5, EmaDecay = 0.9, EmaStart = 1000,
            LogEvery = 10, CheckpointEvery = 2, SampleEvery = 0, SampleCount = 4, SampleSteps = 10, Device = "cpu",
        },
    };

    /// <summary>Trains <paramref name="config"/> into <paramref name="folder"/> and returns the run.</summary>
    public static RunDirectory Train(RunConfig config, string folder, string? cacheDir = null)
    {
        using var data = DatasetLoader.Load(config.Data, cacheDir: null, out _, config.Seed);
        var run = new RunDirectory(folder);
        new Trainer(config, data, run, CPU) { LatentCacheDir = cacheDir }.Run(resume: false);
        return run;
    }
}
