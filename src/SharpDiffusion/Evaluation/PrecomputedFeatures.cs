using System.Text;
using SharpDiffusion.Training;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// The file inputs of <c>ddpm fid</c>: a statistics file (<see cref="FeatureStatistics.Save(string)"/>), a pytorch-fid
/// statistics .npz (<see cref="NpzStatistics"/>) or a .npy feature matrix (with the extractor named in its
/// <see cref="FeatureFile"/> sidecar when <c>ddpm features</c> wrote it). Told apart by their first bytes.
/// </summary>
public static class PrecomputedFeatures
{
    private static readonly byte[] StatisticsMagic = Encoding.ASCII.GetBytes("SDFSTAT1");
    private static readonly byte[] NpyMagic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>The extractor the file says produced it, or null when it does not say (a bare .npy).</summary>
    public static string? Extractor(string path)
    {
        try
        {
            return IsStatistics(path) ? FeatureStatistics.Load(path).Extractor
                : IsNpz(path) ? NpzStatistics.Load(path).Extractor
                : FeatureFile.ReadExtractor(path);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw Damaged(path, e);
        }
    }

    /// <summary>
    /// Statistics of the file. A bare .npy is taken to come from <paramref name="assumedExtractor"/>: the caller
    /// names the feature space, because nothing in the file does.
    /// </summary>
    public static FeatureStatistics Load(string path, string assumedExtractor)
    {
        try
        {
            return LoadUnchecked(path, assumedExtractor);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            // One contract for every precomputed input: an EvaluationException naming the file.
            throw Damaged(path, e);
        }
    }

    private static FeatureStatistics LoadUnchecked(string path, string assumedExtractor)
    {
        if (IsStatistics(path))
        {
            return FeatureStatistics.Load(path);
        }

        if (IsNpz(path))
        {
            return NpzStatistics.Load(path);
        }

        if (!StartsWith(path, NpyMagic))
        {
            throw new EvaluationException($"'{path}' is neither an image folder, a statistics file (ddpm or pytorch-fid .npz) nor a .npy feature file; pass a folder of images or the output of ddpm features.");
        }

        using var features = NpyFile.Read(path);
        if (features.dim() != 2 || features.shape[0] < 2)
        {
            throw new EvaluationException($"'{path}' holds an array of shape [{string.Join(", ", features.shape)}]; a Fréchet distance needs features [N, D] with N ≥ 2.");
        }

        return FeatureStatistics.FromFeatures(features, FeatureFile.ReadExtractor(path) ?? assumedExtractor);
    }

    private static EvaluationException Damaged(string path, Exception e) =>
        new(e is EndOfStreamException ? $"'{path}' ends too early (truncated); write it again with ddpm features." : e.Message);

    /// <summary>Whether the file is a .npy array (a feature matrix) rather than statistics.</summary>
    public static bool IsFeatureMatrix(string path) => StartsWith(path, NpyMagic);

    private static bool IsStatistics(string path) => StartsWith(path, StatisticsMagic);

    private static bool IsNpz(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> head = stackalloc byte[4];
        return NpzStatistics.HasMagic(head[..stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false)]);
    }

    /// <summary>Writes statistics as a pytorch-fid .npz when the path ends in .npz, else in the ddpm format.</summary>
    public static void SaveStatistics(FeatureStatistics statistics, string path)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        if (string.Equals(Path.GetExtension(path), NpzStatistics.Extension, StringComparison.OrdinalIgnoreCase))
        {
            NpzStatistics.Save(statistics, path);
        }
        else
        {
            AtomicFile.Write(path, statistics.Save);
        }
    }

    private static bool StartsWith(string path, byte[] magic)
    {
        using var stream = File.OpenRead(path);
        var head = new byte[magic.Length];
        var read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return read == head.Length && head.AsSpan().SequenceEqual(magic);
    }
}
