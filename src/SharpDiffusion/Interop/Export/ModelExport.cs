using System.Text.Json;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Training;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.Export;

/// <summary>
/// <c>ddpm export</c>: a run's EMA weights as safetensors or a PyTorch state dict, keyed exactly as docs/model.md lists
/// (for the reference layout: the keys of denoising-diffusion-pytorch's <c>Unet</c>), plus an <see cref="ExportManifest"/>
/// as config.json. Each file is written atomically; a run without a checkpoint writes nothing. A DDPM run's manifest is what
/// it was before formulations existed (version 1, its β's); an EDM run's is version 2, leaves out <c>betas</c> and the
/// ddpm-only <c>diffusion</c> keys (there is no table) and states the preconditioning with the σ_data the run trained with.
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
        var manifest = Manifest(metadata, WeightsFileName(format)); // before any file, since it can refuse
        string weightsPath = Path.Combine(folder, WeightsFileName(format));
        AtomicFile.Write(weightsPath, stream =>
        {
            if (format == ExportFormat.Safetensors) Safetensors.SaveStateDict(stream, weights, leaveOpen: true);
            else PyTorchPickler.PickleStateDict(stream, weights, leaveOpen: true);
        });

        string manifestPath = Path.Combine(folder, ManifestFile);
        AtomicFile.WriteAllText(manifestPath, ManifestJson(manifest) + "\n");
        return new Result(folder, weightsPath, manifestPath, metadata.Step, weights.Count);
    }

    /// <summary>
    /// The manifest as config.json holds it. <c>diffusion</c> holds settings only: DiffusionConfig.DdpmKeysAtDefaults (a
    /// validation helper the serializer would write) is left out. A DDPM manifest's <c>diffusion</c> is the pre-formulation
    /// one plus <c>formulation</c> (no <c>edm: null</c>); an EDM one has no <c>betas</c> key and no ddpm-only diffusion keys
    /// (as ConfigJson.ToNode writes a run's config).
    /// </summary>
    public static string ManifestJson(ExportManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var node = JsonSerializer.SerializeToNode(manifest, ConfigJson.Options)!.AsObject();
        var diffusion = node["diffusion"]!.AsObject();
        diffusion.Remove("ddpm_keys_at_defaults");
        if (manifest.Diffusion.Formulation == DiffusionFormulation.Ddpm)
        {
            if (manifest.Diffusion.Edm is null) diffusion.Remove("edm");
        }
        else
        {
            node.Remove("betas");
            foreach (string key in DiffusionConfig.DdpmOnlyKeys) diffusion.Remove(key);
        }
        return node.ToJsonString(ConfigJson.Options);
    }

    private static ExportManifest Manifest(CheckpointMetadata metadata, string weightsFile)
    {
        var model = metadata.Config.Model;
        // σ_data as the library samples this run with: the config's, or the sample space's when it was left out (Formulations.Resolve).
        var diffusion = Formulations.Resolve(metadata.Config).Diffusion;
        var formulation = Formulations.For(diffusion);
        bool pytorchUnet = model.Layout == UNetLayout.Reference && model.ResBlocks == 2 && !model.ClassConditional;
        return new ExportManifest
        {
            FormatVersion = ExportManifest.VersionFor(diffusion),
            WeightsFile = weightsFile,
            Step = metadata.Step,
            Channels = metadata.Channels,
            ImageSize = metadata.ImageSize,
            ClassNames = metadata.ClassNames,
            Model = model,
            Diffusion = diffusion,
            Betas = formulation is DdpmFormulation ? NoiseSchedule.Create(diffusion).Betas : [],
            Preconditioning = formulation switch
            {
                DdpmFormulation => null,
                EdmFormulation edm => new ExportManifest.EdmPreconditioning { SigmaData = edm.SigmaData },
                _ => throw new InteropException($"'{formulation.Name}' runs cannot be exported yet; export writes ddpm and edm models. Nothing was written."),
            },
            DenoisingDiffusionPytorchUnet = pytorchUnet
                ? new ExportManifest.UnetArguments(model.Dim, model.DimMults, metadata.Channels, model.Heads, model.HeadDim,
                    Enumerable.Range(0, model.DimMults.Count).Select(i => model.AttentionResolutions.Contains(metadata.ImageSize >> i)).ToList(), model.Dropout)
                : null,
        };
    }
}
