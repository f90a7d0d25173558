using System.CommandLine;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>--guide RUN|CHECKPOINT --autoguidance W</c> (<see cref="AutoGuidance"/>), as <c>ddpm sample</c> takes them.</summary>
internal sealed class GuideOptions
{
    public Option<string?> Guide { get; } = new("--guide") { HelpName = "RUN|CKPT", Description = "Autoguidance: a weaker model of the same data (smaller, or trained for less time; its EMA weights) to steer away from. Needs --autoguidance." };

    public Option<double?> Weight { get; } = new("--autoguidance") { HelpName = "W", Description = "Autoguidance weight w ≥ 1: D = D_guide + w·(D_model − D_guide) (Karras et al. 2024); 1 is the model alone. Needs --guide." };

    public IEnumerable<Option> All => [Guide, Weight];

    /// <summary>The checked (guide path, w), or null when neither is given; one without the other, or a bad w, is a usage error.</summary>
    public (string Path, double Weight)? Get(ParseResult parse)
    {
        string? guide = parse.GetValue(Guide);
        double? weight = parse.GetValue(Weight);
        if (guide is null && weight is null) return null;
        if (guide is null || weight is null) throw new UsageException("--guide and --autoguidance go together: the guide model and its weight w (e.g. --guide runs/small --autoguidance 2).");
        if (AutoGuidance.WeightProblem(weight.Value) is { } problem) throw new UsageException(problem + ".");
        return (guide, weight.Value);
    }

    /// <summary>
    /// Loads the guide (a run folder's latest checkpoint, or a checkpoint) and checks it against the model's checkpoint like a
    /// cascade pair: sample shape, conditioning kinds, sample space (a latent guide must use the same autoencoder).
    /// </summary>
    public static LoadedModel Load(string path, LoadedModel main, Device device)
    {
        string checkpoint = Directory.Exists(path)
            ? new RunDirectory(path).LatestCheckpoint() ?? throw new UsageException($"--guide {path} has no checkpoint yet; train it first.")
            : File.Exists(path) ? path : throw new UsageException($"--guide {path} is neither a run folder nor a checkpoint; pass the --out folder of a ddpm train run.");
        var guide = LoadedModel.Load(checkpoint, device);
        try
        {
            if (AutoGuidance.Mismatch(main.Model, guide.Model) is { } mismatch) throw new UsageException($"--guide {path}: {mismatch}.");
            if (main.Metadata.Config.Model.Latent?.AutoencoderSha256 != guide.Metadata.Config.Model.Latent?.AutoencoderSha256)
                throw new UsageException($"--guide {path} denoises the latents of another autoencoder; train the guide on the model's (model.latent.autoencoder).");
            return guide;
        }
        catch
        {
            guide.Dispose();
            throw;
        }
    }

    /// <summary>The generator's view of a loaded guide.</summary>
    public static AutoGuidance For(LoadedModel guide, double weight) => new(guide.Model, Formulations.For(guide.Metadata.Config.Diffusion), weight);
}
