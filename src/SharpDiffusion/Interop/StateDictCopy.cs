using static TorchSharp.torch;

namespace SharpDiffusion.Interop;

/// <summary>Copies named tensors into a module whose state_dict must have exactly those keys and shapes.</summary>
internal static class StateDictCopy
{
    private const int Listed = 3;

    /// <param name="origin">What the tensors come from, for the message (e.g. "'model-3.pt' (EMA weights)").</param>
    /// <param name="expected">What the module is, for the message (e.g. "a reference-layout U-Net with dim 64, dim_mults [1, 2]").</param>
    public static void Into(nn.Module module, IReadOnlyDictionary<string, Tensor> source, string origin, string expected)
    {
        var target = module.state_dict();
        var missing = target.Keys.Where(k => !source.ContainsKey(k)).ToList();
        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"{missing.Count} keys it needs are missing ({List(missing)})");
            if (unexpected.Count > 0) parts.Add($"{unexpected.Count} keys do not fit it ({List(unexpected)})");
            throw new InteropException($"{origin} does not fit {expected}: {string.Join(" and ", parts)}.");
        }

        var wrongShapes = target.Where(e => !source[e.Key].shape.SequenceEqual(e.Value.shape))
            .Select(e => $"{e.Key} is [{string.Join(", ", source[e.Key].shape)}], needs [{string.Join(", ", e.Value.shape)}]").ToList();
        if (wrongShapes.Count > 0) throw new InteropException($"{origin} does not fit {expected}: {wrongShapes.Count} tensors have other shapes ({List(wrongShapes)}).");

        using var noGrad = no_grad();
        foreach (var (key, destination) in target) destination.copy_(source[key].to_type(destination.dtype));
    }

    private static string List(List<string> items) => string.Join(", ", items.Take(Listed).Select(i => $"'{i}'")) + (items.Count > Listed ? ", …" : "");
}
