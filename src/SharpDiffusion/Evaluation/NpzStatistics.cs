using System.IO.Compression;
using SharpDiffusion.Training;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// pytorch-fid's statistics files: a NumPy .npz (a zip of .npy members, numpy/lib/npyio.py) holding <c>mu</c> [D] and
/// <c>sigma</c> [D, D], as its <c>--save-stats</c> writes them and as published statistics (TTUR, pytorch-fid) come.
/// They carry no extractor name; pytorch-fid's are pool3 of its Inception, so a file without one is "inception".
/// Files written here add <c>extractor</c>, a 0-d string (numpy.load shows it; pytorch-fid ignores it), so that
/// FD-ResNet18 statistics are never compared with Inception ones.
/// </summary>
public static class NpzStatistics
{
    public const string Extension = ".npz";

    /// <summary>The largest member read: a float64 sigma of D = 11,585 (pytorch-fid's is D = 2048, 32 MiB).</summary>
    public const long MaxMemberBytes = 1L << 30;

    private const string MeanMember = "mu.npy";
    private const string CovarianceMember = "sigma.npy";
    private const string ExtractorMember = "extractor.npy";

    /// <summary>The extractor of statistics without a name: pytorch-fid's Inception.</summary>
    public const string DefaultExtractor = Inception.InceptionFidExtractor.ExtractorName;

    /// <summary>Zip local-file magic "PK\x03\x04": an .npz (or another zip).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> head) => head.Length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;

    /// <summary>Writes mu, sigma (float64) and the extractor name, deflated as numpy.savez_compressed does, atomically.</summary>
    public static void Save(FeatureStatistics statistics, string path)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            using (var mean = statistics.MeanTensor())
            {
                Member(zip, MeanMember, s => NpyFile.Write(s, mean));
            }

            using (var covariance = statistics.CovarianceTensor())
            {
                Member(zip, CovarianceMember, s => NpyFile.Write(s, covariance));
            }

            Member(zip, ExtractorMember, s => NpyFile.WriteString(s, statistics.Extractor));
        });
    }

    /// <summary>Reads mu and sigma; anything else than a well-formed pair is one sentence naming the file.</summary>
    public static FeatureStatistics Load(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            // mu first: its length D bounds what sigma (D × D float64) may make us read, so a lying or bombed sigma costs nothing.
            var mean = ReadArray(zip, MeanMember, path, MaxMeanBytes);
            var covariance = ReadArray(zip, CovarianceMember, path, (long)mean.Values.Length * mean.Values.Length * sizeof(double));
            var extractorEntry = zip.GetEntry(ExtractorMember);
            string extractor = DefaultExtractor;
            if (extractorEntry is not null)
            {
                using var stream = extractorEntry.Open();
                extractor = NpyFile.ReadString(stream, $"{path}:{ExtractorMember}", maxDataBytes: 4096);
            }

            return ToStatistics(mean, covariance, extractor, path);
        }
        catch (InvalidDataException e)
        {
            throw new EvaluationException($"'{path}' is not a readable statistics .npz ({e.Message.TrimEnd('.')}); write it with numpy.savez(f, mu=mu, sigma=sigma) or ddpm features --stats F.npz.");
        }
    }

    /// <summary>mu of up to 131,072 float64 features (Inception's pool has 2,048).</summary>
    private const long MaxMeanBytes = 1L << 20;

    private static (long[] Shape, double[] Values) ReadArray(ZipArchive zip, string member, string path, long maxBytes)
    {
        var entry = zip.GetEntry(member) ?? throw new EvaluationException(
            $"'{path}' has no '{Path.GetFileNameWithoutExtension(member)}' array (it holds {Names(zip)}); a pytorch-fid statistics file holds mu and sigma.");
        using var stream = entry.Open();
        using var tensor = NpyFile.Read(stream, $"{path}:{member}", Math.Min(maxBytes, MaxMemberBytes));
        using var values = tensor.to(torch.float64).contiguous();
        return (tensor.shape, values.data<double>().ToArray());
    }

    private static FeatureStatistics ToStatistics((long[] Shape, double[] Values) mean, (long[] Shape, double[] Values) covariance, string extractor, string path)
    {
        var d = mean.Values.Length;
        if (mean.Shape.Length != 1 || covariance.Shape.Length != 2 || covariance.Shape[0] != d || covariance.Shape[1] != d)
        {
            throw new EvaluationException(
                $"'{path}' holds mu of shape ({string.Join(", ", mean.Shape)}) and sigma of shape ({string.Join(", ", covariance.Shape)}), but sigma must be D×D for mu of D values; recompute the statistics.");
        }

        var square = new double[d, d];
        Buffer.BlockCopy(covariance.Values, 0, square, 0, covariance.Values.Length * sizeof(double));
        return new FeatureStatistics(extractor, count: 0, mean.Values, square);
    }

    private static string Names(ZipArchive zip) =>
        zip.Entries.Count == 0 ? "nothing" : string.Join(", ", zip.Entries.Select(e => Path.GetFileNameWithoutExtension(e.FullName)));

    private static void Member(ZipArchive zip, string name, Action<Stream> write)
    {
        using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
        write(stream);
    }
}
