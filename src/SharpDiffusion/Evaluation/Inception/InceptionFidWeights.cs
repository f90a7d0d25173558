using System.Collections;
using SharpDiffusion.Interop.PyTorch;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SharpDiffusion.Evaluation.Inception;

/// <summary>Loads pytorch-fid's Inception weights (a PyTorch state dict saved with torch.save) into <see cref="FidInceptionV3"/>.</summary>
internal static class InceptionFidWeights
{
    public const string FileName = "pt_inception-2015-12-05-6726825d.pth";

    private const string Origin = "download it from the pytorch-fid GitHub release (github.com/mseitzer/pytorch-fid/releases, tag fid_weights)";

    /// <summary>Refuses a weights file that does not exist (before anything is loaded, or trained: <c>ddpm sweep --eval</c>).</summary>
    internal static void ThrowIfMissing(string path)
    {
        if (!File.Exists(path))
            throw new EvaluationException($"The Inception weights file '{path}' does not exist; {Origin} and pass it with --inception-weights FILE or {FeatureExtractors.InceptionWeightsVariable}.");
    }

    /// <summary>
    /// Copies every parameter and batch-norm running statistic by key, checking shapes; <c>num_batches_tracked</c>
    /// (absent from older files, unused in evaluation) is optional. Every problem is one sentence naming the file.
    /// </summary>
    public static void Load(nn.Module module, string path)
    {
        ThrowIfMissing(path);
        var source = ReadStateDict(path);
        try
        {
            var target = module.state_dict();
            var missing = target.Keys.Where(k => !source.ContainsKey(k) && !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
            if (missing.Count > 0)
            {
                throw new EvaluationException($"'{path}' is not the pytorch-fid Inception state dict: it lacks {missing.Count} keys such as '{missing[0]}'; {Origin}.");
            }

            var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
            if (unexpected.Count > 0)
            {
                throw new EvaluationException($"'{path}' is not the pytorch-fid Inception state dict: it has {unexpected.Count} unknown keys such as '{unexpected[0]}'; {Origin}.");
            }

            using var noGrad = no_grad();
            foreach (var (key, destination) in target)
            {
                if (!source.TryGetValue(key, out var value))
                {
                    continue;
                }

                if (!value.shape.SequenceEqual(destination.shape))
                {
                    throw new EvaluationException($"In '{path}', '{key}' has shape [{string.Join(", ", value.shape)}] but the FID Inception needs [{string.Join(", ", destination.shape)}]; {Origin}.");
                }

                destination.copy_(value);
            }
        }
        finally
        {
            foreach (var value in source.Values)
            {
                value.Dispose();
            }
        }
    }

    /// <summary>
    /// Both formats torch.save has written: the zip archive (PyTorch ≥ 1.6, read by PyBridge) and the legacy pickle
    /// stream of older versions (pytorch-fid's 2019 release asset), read by <see cref="LegacyTorchFile"/>.
    /// </summary>
    private static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var head = new byte[16];
            var headLength = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
            if (head.AsSpan(0, headLength) is [0x50, 0x4B, 0x03, 0x04, ..])
            {
                var table = PyTorchUnpickler.UnpickleStateDict(stream);
                return table.Cast<DictionaryEntry>().Where(e => e.Value is Tensor).ToDictionary(e => (string)e.Key, e => (Tensor)e.Value!, StringComparer.Ordinal);
            }

            if (LegacyTorchFile.LooksLegacy(head.AsSpan(0, headLength)))
            {
                return LegacyTorchFile.ReadStateDict(stream);
            }
        }
        catch (Exception e) when (e is InvalidDataException or NotImplementedException or NotSupportedException or InvalidCastException or InvalidOperationException or Razorvine.Pickle.PickleException or IOException)
        {
            throw new EvaluationException($"The Inception weights file '{path}' could not be read ({e.Message}); {Origin}.");
        }

        throw new EvaluationException($"'{path}' is not a file written by torch.save (neither the zip format nor the legacy pickle format); {Origin}.");
    }
}
