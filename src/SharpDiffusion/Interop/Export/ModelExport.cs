using System.Text.Json;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Training;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.Export;

/// <summary>
/// <c>ddpm export</c>: a run's EMA weights as safetensors or a PyTorch state dict, keyed exactly as docs/model.md lists
/// (for the reference layout: the keys of denoising-diffusion-pytorch's <c>Unet</c>), plus an <see cref="ExportManifest"/>
/// as config.json. Each file is written atomically; a run without a checkpoint writes nothing.
/// </summary>
public static class ModelExport
{
    public const string ManifestFile = "config.json";

    public sealed record Result(string Folder, string WeightsPath, string ManifestPath, int Step, int TensorCount);

    public static string WeightsFileName(ExportFormat format) => format == ExportFormat.Safetensors ? "model.safetensors" : "model.pt";

    /// <param name="outFolder">Where to write; default <c>RUN/export</c>.</param>
    /// <param name="checkpoint">A checkpoint file; default the run's latest.</param>
    public static Result Write(string runFolder, ExportFormat format, string? outFolder = null, string? checkpoint = null)
    {
        var run = new RunDirectory(runFolder);
        if (checkpoint is null && !run.Exists) throw new InteropException($"'{runFolder}' does not exist; pass --run with a run folder written by ddpm train or ddpm import.");
        checkpoint ??= run.LatestCheckpoint() ?? throw new InteropException($"'{runFolder}' has no checkpoint to export (checkpoints/ is empty); train it first, nothing was written.");

        if (CheckpointFile.ReadMetadata(checkpoint).Family == ModelFamily.Latent)
            throw new InteropException($"'{runFolder}' is a latent model; export writes one pixel-space U-Net, and a latent model also needs its autoencoder, which the manifest cannot describe yet. Nothing was written.");
        using var loaded = LoadedModel.Load(checkpoint, CPU, useEma: true);
        var model = loaded.Model;
        var metadata = loaded.Metadata;
        var folder = Path.GetFullPath(outFolder ?? Path.Combine(run.Root, "export"));
        using var scope = NewDisposeScope();
        // map_augment (data.augment) is left out: it acts only on non-zero augmentation labels, and sampling gives zeros, so
        // the manifest's U-Net without it makes the same images; the manifest describes the network, not the data pipeline.
        var weights = model.state_dict().Where(e => !e.Key.StartsWith("map_augment.", StringComparison.Ordinal))
            .ToDictionary(e => e.Key, e => e.Value.detach().contiguous(), StringComparer.Ordinal);
        string weightsPath = Path.Combine(folder, WeightsFileName(format));
        AtomicFile.Write(weightsPath, stream =>
        {
            if (format == ExportFormat.Safetensors) Safetensors.SaveStateDict(stream, weights, leaveOpen: true);
            else PyTorchPickler.PickleStateDict(stream, weights, leaveOpen: true);
        });

        var manifest = Manifest(metadata, WeightsFileName(format));
        string manifestPath = Path.Combine(folder, ManifestFile);
        AtomicFile.WriteAllText(manifestPath, JsonSerializer.Serialize(manifest, ConfigJson.Options) + "\n");
        return new Result(folder, weightsPath, manifestPath, metadata.Step, weights.Count);
    }

    private static ExportManifest Manifest(CheckpointMetadata metadata, string weightsFile)
    {
        var model = metadata.Config.Model;
        bool pytorchUnet = model.Layout == UNetLayout.Reference && model.ResBlocks == 2 && !model.ClassConditional;
        return new ExportManifest
        {
            WeightsFile = weightsFile,
            Step = metadata.Step,
            Channels = metadata.Channels,
            ImageSize = metadata.ImageSize,
            ClassNames = metadata.ClassNames,
            Model = model,
            Diffusion = metadata.Config.Diffusion,
            Betas = NoiseSchedule.Create(metadata.Config.Diffusion).Betas,
            DenoisingDiffusionPytorchUnet = pytorchUnet
                ? new ExportManifest.UnetArguments(model.Dim, model.DimMults, metadata.Channels, model.Heads, model.HeadDim,
                    Enumerable.Range(0, model.DimMults.Count).Select(i => model.AttentionResolutions.Contains(metadata.ImageSize >> i)).ToList(), model.Dropout)
                : null,
        };
    }
}
