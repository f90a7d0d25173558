using System.Text.Json;
using SharpDiffusion.Training;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// What <c>ddpm features</c> writes next to F.npy (as F.json): the extractor, where the features came from, and which
/// logits F.logits.npy holds (<see cref="IFeatureExtractor.LogitsKind"/>).
/// </summary>
public sealed record FeatureFileInfo(string Extractor, long Count, int Dimension, string Images, bool HasLogits, string? Logits = null);

/// <summary>
/// Features as NumPy .npy (readable anywhere) plus a small JSON sidecar naming the extractor, so that a later
/// <c>ddpm fid</c> never compares features from two different networks. Logits, when the extractor has them, go to F.logits.npy.
/// </summary>
public static class FeatureFile
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string InfoPath(string npyPath) => Path.ChangeExtension(npyPath, ".json");

    public static string LogitsPath(string npyPath) => Path.ChangeExtension(npyPath, ".logits.npy");

    public static void Save(string npyPath, torch.Tensor features, torch.Tensor? logits, FeatureFileInfo info)
    {
        AtomicFile.Write(npyPath, stream => NpyFile.Write(stream, features));
        if (logits is not null)
        {
            AtomicFile.Write(LogitsPath(npyPath), stream => NpyFile.Write(stream, logits));
        }

        AtomicFile.WriteAllText(InfoPath(npyPath), JsonSerializer.Serialize(info, Json) + "\n");
    }

    /// <summary>The extractor named in the sidecar, or null when the .npy came from elsewhere.</summary>
    public static string? ReadExtractor(string npyPath)
    {
        var infoPath = InfoPath(npyPath);
        if (!File.Exists(infoPath))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<FeatureFileInfo>(File.ReadAllText(infoPath), Json)?.Extractor;
        }
        catch (JsonException e)
        {
            throw new EvaluationException($"'{infoPath}' is not a feature file description ({e.Message}); delete it or re-run ddpm features.");
        }
    }
}
