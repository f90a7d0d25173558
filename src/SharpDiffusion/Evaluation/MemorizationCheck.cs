using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Memorisation against a whole training set without a separate held-out set: a deterministic 10% of the real images
/// (indices 0, 10, 20, …, spread over the classes because files are listed class by class) are held out for
/// calibration. The threshold is the 5% quantile of their nearest-neighbour distances to the other 90% (how close a
/// genuinely different real image comes); each generated sample is compared with all real images. The model did train
/// on the held-out images too, so the threshold describes distinct real images, not unseen ones; and the generated
/// side searches a set 10/9 larger, which can only lower its distances (the check errs towards flagging).
/// </summary>
public static class MemorizationCheck
{
    public const int HeldOutEvery = 10;

    public static bool IsHeldOut(int index) => index % HeldOutEvery == 0;

    public static MemorizationResult Compute(torch.Tensor generated, torch.Tensor real, double quantile = Memorization.DefaultQuantile)
    {
        using var scope = torch.NewDisposeScope();
        var r = FeatureMatrix.ToFloat64(real, "real set", minRows: 2);
        var g = FeatureMatrix.ToFloat64(generated, "generated set");
        FeatureMatrix.RequireSameDimension(g, r, "generated samples", "real samples");
        var n = (int)r.shape[0];
        var held = Enumerable.Range(0, n).Where(IsHeldOut).Select(i => (long)i).ToArray();
        var rest = Enumerable.Range(0, n).Where(i => !IsHeldOut(i)).Select(i => (long)i).ToArray();
        using var heldIndex = torch.tensor(held);
        using var restIndex = torch.tensor(rest);

        var (heldDistance, _) = PairwiseDistances.Nearest(r.index_select(0, heldIndex), r.index_select(0, restIndex));
        var threshold = Memorization.LinearQuantile(heldDistance, quantile);
        var (distance, index) = PairwiseDistances.Nearest(g, r);
        var pairs = new NearestTrainingPair[distance.Length];
        for (var i = 0; i < pairs.Length; i++)
        {
            pairs[i] = new NearestTrainingPair(i, (int)index[i], distance[i]);
        }

        return new MemorizationResult(pairs, threshold, quantile);
    }
}
