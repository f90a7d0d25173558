using SharpDiffusion.Sampling;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Euclidean distances between rows of float64 [N, D] matrices, computed in row chunks so that no more than
/// about <see cref="ChunkBytes"/> of distances are alive at once (N·M can reach 2,500 × 60,000 here).
/// </summary>
internal static class PairwiseDistances
{
    internal const long ChunkBytes = 64L * 1024 * 1024;

    // held Scalars: see Scaled
    private static readonly Scalar Square = 2.ToScalar();
    private static readonly Scalar Two = 2.0.ToScalar();
    private static readonly Scalar Zero = 0.0.ToScalar();

    /// <summary>‖a_i − b_j‖ for all i, j via ‖a‖² + ‖b‖² − 2a·b (the matmul form; float64 keeps the cancellation harmless).</summary>
    internal static torch.Tensor Euclidean(torch.Tensor a, torch.Tensor b)
    {
        using var scope = torch.NewDisposeScope();
        var aa = a.pow(Square).sum(1, keepdim: true);
        var bb = b.pow(Square).sum(1).unsqueeze(0);
        var squared = (aa.Plus(bb) - a.matmul(b.t()).mul(Two)).clamp_min(Zero);
        return squared.sqrt().MoveToOuterDisposeScope();
    }

    /// <summary>For each query row, the distance to and index of its nearest reference row.</summary>
    internal static (double[] Distance, long[] Index) Nearest(torch.Tensor queries, torch.Tensor references)
    {
        var n = queries.shape[0];
        var distance = new double[n];
        var index = new long[n];
        foreach (var (start, length) in Chunks(n, references.shape[0]))
        {
            using var scope = torch.NewDisposeScope();
            var d = Euclidean(queries.narrow(0, start, length), references);
            var (values, indices) = d.min(1);
            values.data<double>().CopyTo(distance, (int)start);
            indices.data<long>().CopyTo(index, (int)start);
        }

        return (distance, index);
    }

    /// <summary>
    /// For each query row, the distances to its nearest and second-nearest reference rows (references need ≥ 2 rows).
    /// The two are found with the matmul form and then measured again as ‖a − b‖ directly, so an exact copy is at
    /// distance 0 (the matmul form leaves ~1e-8 of cancellation there, which would make a copy's ratio non-zero).
    /// </summary>
    internal static (double[] First, double[] Second) TwoNearest(torch.Tensor queries, torch.Tensor references)
    {
        var n = queries.shape[0];
        var first = new double[n];
        var second = new double[n];
        foreach (var (start, length) in Chunks(n, references.shape[0]))
        {
            using var scope = torch.NewDisposeScope();
            var q = queries.narrow(0, start, length);
            var (_, indices) = Euclidean(q, references).topk(2, dim: 1, largest: false, sorted: true);
            var a = (q - references.index_select(0, indices.select(1, 0))).norm(1);
            var b = (q - references.index_select(0, indices.select(1, 1))).norm(1);
            torch.minimum(a, b).contiguous().data<double>().CopyTo(first, (int)start);
            torch.maximum(a, b).contiguous().data<double>().CopyTo(second, (int)start);
        }

        return (first, second);
    }

    /// <summary>
    /// For each query row, the distance to its nearest reference row and the mean distance to its <paramref name="k"/>
    /// nearest reference rows, that nearest one included (references need ≥ k rows). The two nearest are measured again as
    /// ‖a − b‖ directly, as in <see cref="TwoNearest"/>, so an exact copy is at distance 0; the other k − 2 keep the matmul
    /// form's values, whose cancellation error (below 1e-6 for [0, 1] pixel vectors) the mean cannot show. Chunks are
    /// bounded by the gathered [rows, D] copies too, not only by the [rows, M] distances.
    /// </summary>
    internal static (double[] Nearest, double[] MeanOfK) NearestAndMeanOfK(torch.Tensor queries, torch.Tensor references, int k)
    {
        var n = queries.shape[0];
        var nearest = new double[n];
        var meanOfK = new double[n];
        foreach (var (start, length) in Chunks(n, Math.Max(references.shape[0], references.shape[1])))
        {
            using var scope = torch.NewDisposeScope();
            var q = queries.narrow(0, start, length);
            var (values, indices) = Euclidean(q, references).topk(k, dim: 1, largest: false, sorted: true);
            var remeasured = Math.Min(2, k);
            var measured = torch.stack(Enumerable.Range(0, remeasured).Select(j => (q - references.index_select(0, indices.select(1, j))).norm(1)).ToArray(), 1);
            var (smallest, _) = measured.min(1);
            var sum = measured.sum(1).Plus(values.narrow(1, remeasured, k - remeasured).sum(1));
            smallest.contiguous().data<double>().CopyTo(nearest, (int)start);
            using var count = k.ToScalar();
            (sum / count).contiguous().data<double>().CopyTo(meanOfK, (int)start);
        }

        return (nearest, meanOfK);
    }

    /// <summary>
    /// Distance from each row to its k-th nearest other row of the same set. As in Kynkäänniemi et al.'s code,
    /// the row itself counts as the first neighbour (distance 0), so this is the (k+1)-th smallest distance.
    /// </summary>
    internal static double[] KthNearestWithinSet(torch.Tensor rows, int k)
    {
        var n = rows.shape[0];
        var radius = new double[n];
        foreach (var (start, length) in Chunks(n, n))
        {
            using var scope = torch.NewDisposeScope();
            var d = Euclidean(rows.narrow(0, start, length), rows);
            var (values, _) = d.topk(k + 1, dim: 1, largest: false, sorted: true);
            values.select(1, k).contiguous().data<double>().CopyTo(radius, (int)start);
        }

        return radius;
    }

    /// <summary>For each query row, whether it lies within distance radius_j of at least one centre row j (boundary included).</summary>
    internal static bool[] WithinAnyBall(torch.Tensor queries, torch.Tensor centres, double[] radius)
    {
        var n = queries.shape[0];
        var inside = new bool[n];
        using var radiusRow = torch.tensor(radius, torch.float64).unsqueeze(0);
        foreach (var (start, length) in Chunks(n, centres.shape[0]))
        {
            using var scope = torch.NewDisposeScope();
            var d = Euclidean(queries.narrow(0, start, length), centres);
            var hit = d.le(radiusRow).any(1);
            hit.data<bool>().CopyTo(inside, (int)start);
        }

        return inside;
    }

    private static IEnumerable<(long Start, long Length)> Chunks(long rows, long columns)
    {
        var perChunk = Math.Max(1, ChunkBytes / (sizeof(double) * Math.Max(1, columns)));
        for (long start = 0; start < rows; start += perChunk)
        {
            yield return (start, Math.Min(perChunk, rows - start));
        }
    }
}
