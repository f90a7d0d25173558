using System.Text.Json;
using SharpDiffusion.Config;
using SharpDiffusion.Interop.PyTorch;
using SharpDiffusion.Models;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.Export;

/// <summary>Reads a folder in the export layout (config.json + weights) back into a <see cref="UNet"/>: the round trip of
/// <see cref="ModelExport"/>, and the way weights made in PyTorch in that layout come in. A .pt file is read by the
/// restricted unpickler, never by a general one. Both manifest versions are read: 1 (DDPM) and 2 (EDM, with its preconditioning).</summary>
public static class ExportedModel
{
    public static (UNet Model, ExportManifest Manifest) Load(string folder)
    {
        var manifestPath = Path.Combine(folder, ModelExport.ManifestFile);
        if (!File.Exists(manifestPath)) throw new InteropException($"'{folder}' has no {ModelExport.ManifestFile}; pass a folder written by ddpm export.");
        ExportManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ExportManifest>(File.ReadAllText(manifestPath), ConfigJson.Options)
                       ?? throw new InteropException($"'{manifestPath}' is empty; pass a folder written by ddpm export.");
        }
        catch (JsonException e)
        {
            throw new InteropException($"'{manifestPath}' is not an export manifest ({e.Message.Split('\n', 2)[0]}); pass a folder written by ddpm export.");
        }
        if (manifest.Format != ExportManifest.FormatName || manifest.FormatVersion is not (ExportManifest.CurrentVersion or ExportManifest.PreconditionedVersion))
            throw new InteropException($"'{manifestPath}' has format '{manifest.Format}' version {manifest.FormatVersion}; this build reads {ExportManifest.FormatName} versions {ExportManifest.CurrentVersion} and {ExportManifest.PreconditionedVersion}.");
        // Version 1 is a DDPM network; version 2 a preconditioned one whose manifest says how (a mismatch would be misread).
        bool ddpm = manifest.Diffusion.Formulation == DiffusionFormulation.Ddpm;
        if (manifest.FormatVersion != ExportManifest.VersionFor(manifest.Diffusion) || (ddpm ? manifest.Preconditioning is not null : manifest.Preconditioning?.Kind != "edm"))
            throw new InteropException($"'{manifestPath}' is version {manifest.FormatVersion} with diffusion.formulation {manifest.Diffusion.Formulation.ToString().ToLowerInvariant()} and {(manifest.Preconditioning is null ? "no preconditioning" : $"preconditioning '{manifest.Preconditioning.Kind}'")}, which do not belong together; export the run again.");

        var weightsPath = Path.Combine(folder, Path.GetFileName(manifest.WeightsFile));
        if (!File.Exists(weightsPath)) throw new InteropException($"'{weightsPath}', named by {ModelExport.ManifestFile}, does not exist.");
        var model = new UNet(manifest.Model, manifest.Channels, manifest.ImageSize);
        try
        {
            using var scope = NewDisposeScope();
            StateDictCopy.Into(model, ReadWeights(weightsPath), $"'{weightsPath}'", $"the {manifest.Model.Layout} U-Net its {ModelExport.ManifestFile} describes");
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return (model, manifest);
    }

    private static Dictionary<string, Tensor> ReadWeights(string path)
    {
        try
        {
            if (path.EndsWith(".safetensors", StringComparison.Ordinal))
                return Safetensors.LoadStateDict(path);
            using var stream = File.OpenRead(path);
            if (TorchZipFile.Read(stream) is not PickleDict dict) throw new InvalidDataException("it holds no state dict");
            return dict.Entries.ToDictionary(e => e.Key as string ?? throw new InvalidDataException("a key that is not a string"),
                e => e.Value as Tensor ?? throw new InvalidDataException($"'{e.Key}' is not a tensor"), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or NotSupportedException or IOException or RefusedGlobalException or ArgumentException)
        {
            throw new InteropException($"'{path}' could not be read ({e.Message.Split('\n', 2)[0]}); export the run again.");
        }
    }
}
