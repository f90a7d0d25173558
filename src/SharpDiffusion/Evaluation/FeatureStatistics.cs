using System.Text;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Mean and unbiased (N − 1) covariance of a set of features, in float64, tagged with the extractor that produced
/// them so that statistics from different feature spaces are never compared.
/// </summary>
public sealed class FeatureStatistics
{
    private const string Magic = "SDFSTAT1";

    private readonly double[] _mean;
    private readonly double[,] _covariance;

    public FeatureStatistics(string extractor, long count, double[] mean, double[,] covariance)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(extractor);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(covariance);
        if (covariance.GetLength(0) != mean.Length || covariance.GetLength(1) != mean.Length)
        {
            throw new ArgumentException($"The covariance is {covariance.GetLength(0)}×{covariance.GetLength(1)} but the mean has {mean.Length} entries; both must come from the same features.", nameof(covariance));
        }

        Extractor = extractor;
        Count = count;
        _mean = (double[])mean.Clone();
        _covariance = (double[,])covariance.Clone();
    }

    /// <summary>Name of the feature extractor (e.g. "resnet18"); FD is only defined between equal names.</summary>
    public string Extractor { get; }

    /// <summary>Number of feature vectors the statistics were computed from; 0 when the file does not say (pytorch-fid's .npz).</summary>
    public long Count { get; }

    public int Dimension => _mean.Length;

    public double Mean(int i) => _mean[i];

    public double Covariance(int i, int j) => _covariance[i, j];

    /// <summary>The mean as a new float64 tensor [D].</summary>
    public torch.Tensor MeanTensor() => torch.tensor(_mean, torch.float64);

    /// <summary>The covariance as a new float64 tensor [D, D].</summary>
    public torch.Tensor CovarianceTensor() => torch.tensor(_covariance, torch.float64);

    /// <summary>Statistics of a [N, D] feature matrix (N ≥ 2), accumulated in float64.</summary>
    public static FeatureStatistics FromFeatures(torch.Tensor features, string extractor)
    {
        using var scope = torch.NewDisposeScope();
        var x = FeatureMatrix.ToFloat64(features, "feature set", minRows: 2);
        var n = x.shape[0];
        var d = (int)x.shape[1];
        var mean = x.mean([0L]);
        var centred = x - mean;
        using var degreesOfFreedom = (n - 1).ToScalar();
        var covariance = centred.t().matmul(centred) / degreesOfFreedom;

        var meanArray = mean.data<double>().ToArray();
        var flat = covariance.contiguous().data<double>().ToArray();
        var covarianceArray = new double[d, d];
        Buffer.BlockCopy(flat, 0, covarianceArray, 0, flat.Length * sizeof(double));
        return new FeatureStatistics(extractor, n, meanArray, covarianceArray);
    }

    /// <summary>
    /// Writes a small little-endian binary: "SDFSTAT1", extractor name, count, D, mean[D], covariance[D·D] (row major).
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        using var stream = File.Create(path);
        Save(stream);
    }

    /// <summary>Writes the format of <see cref="Save(string)"/> to a stream (e.g. an atomic-file writer).</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Encoding.ASCII.GetBytes(Magic));
        writer.Write(Extractor);
        writer.Write(Count);
        writer.Write(Dimension);
        foreach (var value in _mean)
        {
            writer.Write(value);
        }

        foreach (var value in _covariance)
        {
            writer.Write(value);
        }
    }

    public static FeatureStatistics Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The feature statistics file '{path}' does not exist; compute it first or check the path.", path);
        }

        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            var magic = Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length));
            if (magic != Magic)
            {
                throw new InvalidDataException($"'{path}' is not a SharpDiffusion feature statistics file; recompute the statistics.");
            }

            var extractor = reader.ReadString();
            var count = reader.ReadInt64();
            var d = reader.ReadInt32();
            // The rest of the file is exactly the mean and the covariance: checked before allocating them (a damaged or
            // hostile dimension must not allocate d² doubles).
            long remaining = stream.Length - stream.Position;
            if (d < 1 || count < 2 || (long)d * (d + 1) > remaining / sizeof(double) || (long)d * (d + 1) * sizeof(double) != remaining)
            {
                throw new InvalidDataException($"The feature statistics file '{path}' is damaged ({count} features of dimension {d} in {remaining} data bytes); recompute the statistics.");
            }

            var mean = new double[d];
            for (var i = 0; i < d; i++)
            {
                mean[i] = reader.ReadDouble();
            }

            var covariance = new double[d, d];
            for (var i = 0; i < d; i++)
            {
                for (var j = 0; j < d; j++)
                {
                    covariance[i, j] = reader.ReadDouble();
                }
            }

            if (mean.Any(v => !double.IsFinite(v)) || covariance.Cast<double>().Any(v => !double.IsFinite(v)))
            {
                throw new InvalidDataException($"The feature statistics file '{path}' holds a non-finite mean or covariance; recompute the statistics.");
            }

            return new FeatureStatistics(extractor, count, mean, covariance);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"The feature statistics file '{path}' is truncated; recompute the statistics.");
        }
        catch (FormatException)
        {
            // BinaryReader.ReadString on a damaged length prefix.
            throw new InvalidDataException($"The feature statistics file '{path}' is damaged (its extractor name cannot be read); recompute the statistics.");
        }
    }
}
