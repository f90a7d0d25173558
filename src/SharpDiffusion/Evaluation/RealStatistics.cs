using static TorchSharp.torch;

namespace SharpDiffusion.Evaluation;

/// <summary>One real image as the reference trainer's loader yields it: which image of the set, and whether it is mirrored.</summary>
public readonly record struct LoaderDraw(int Image, bool Flipped);

/// <summary>
/// Which real images a Fréchet distance's real statistics are taken over. <see cref="Images"/> (the default): the clean
/// real set, each image once. <see cref="DdpTrainer"/>: as denoising-diffusion-pytorch 2.2.5's Trainer does in its
/// FIDEvaluation — ⌈n / B⌉ batches drawn from its training loader (B = the run's training batch size): every epoch the set
/// in a new random order, cut into batches of B that do not cross epochs (an epoch's last batch may be short), each image
/// mirrored left–right with probability ½, epochs repeated until the batches are drawn. So the real side holds about n
/// images, repeats images when the set has fewer than n, and is half mirrored. docs/METRICS.md says how far the two are apart.
/// </summary>
public static class RealStatistics
{
    public const string Images = "images";

    public const string DdpTrainer = "ddp-trainer";

    public static IReadOnlyList<string> Names { get; } = [Images, DdpTrainer];

    public const string Help = "Real statistics of the Fréchet distance: images (the real set, each image once; default) or ddp-trainer "
        + "(as denoising-diffusion-pytorch's Trainer: ⌈n/B⌉ training batches of B = training.batch_size, shuffled each epoch, random horizontal flips, cycled).";

    /// <summary>Refuses a name that is not in <see cref="Names"/>.</summary>
    public static string Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Names.Contains(name) ? name
            : throw new EvaluationException($"unknown real statistics '{name}'; use {string.Join(" or ", Names)}.");
    }

    /// <summary>
    /// The loader's draws for <see cref="DdpTrainer"/>, deterministic given <paramref name="seed"/>: one MT19937 stream
    /// (<c>init_genrand</c> of the seed's low 32 bits) shuffles each epoch (Fisher–Yates from the last element down, as
    /// numpy's legacy permutation) and then draws one flip bit per image of that epoch in its shuffled order (the bit is a
    /// 32-bit output's lowest bit, as numpy's legacy <c>randint(0, 2)</c>).
    /// </summary>
    /// <param name="count">Images in the real set.</param>
    /// <param name="n">Samples per checkpoint.</param>
    /// <param name="batch">The loader's batch size (the run's training.batch_size).</param>
    public static IReadOnlyList<LoaderDraw> TrainerLoaderDraws(int count, int n, int batch, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var generator = new NumpyLegacyPermutation.Mt19937(unchecked((uint)seed));
        int batches = (n + batch - 1) / batch;
        var draws = new List<LoaderDraw>();
        while (batches > 0)
        {
            var order = Enumerable.Range(0, count).ToArray();
            for (int i = count - 1; i >= 1; i--)
            {
                int j = (int)generator.Interval((uint)i);
                (order[i], order[j]) = (order[j], order[i]);
            }

            var flips = order.Select(_ => generator.Interval(1) == 1).ToArray();
            for (int start = 0; start < count && batches > 0; start += batch, batches--)
                for (int k = start; k < Math.Min(start + batch, count); k++) draws.Add(new LoaderDraw(order[k], flips[k]));
        }

        return draws;
    }

    /// <summary>
    /// The real features of the loader's draws, one row per draw: row k is <paramref name="clean"/>[image] or
    /// <paramref name="mirrored"/>[image] (the features of the left–right mirrored set, in the same order).
    /// </summary>
    public static Tensor Gather(Tensor clean, Tensor mirrored, IReadOnlyList<LoaderDraw> draws)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(mirrored);
        ArgumentNullException.ThrowIfNull(draws);
        long count = clean.shape[0];
        using var both = cat([clean, mirrored]);
        using var index = tensor(draws.Select(d => d.Image + (d.Flipped ? count : 0)).ToArray());
        return both.index_select(0, index);
    }
}
