using static TorchSharp.torch;

namespace SharpDiffusion.Training.Fused;

/// <summary>
/// Lays tensors of one dtype and device end to end in one contiguous buffer and hands back a view of the buffer for each, so
/// that an element-wise update of all of them is one kernel over the buffer instead of one per tensor.
/// </summary>
public static class FlatBuffer
{
    /// <summary>
    /// Allocates the buffer, copies <paramref name="tensors"/> into it in order and calls <paramref name="rebind"/> with each
    /// tensor and its view (shaped like the tensor), e.g. to make a parameter use the view as its storage.
    /// </summary>
    public static Tensor Create(IReadOnlyList<Tensor> tensors, Action<int, Tensor> rebind)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(rebind);
        if (tensors.Count == 0) throw new ArgumentException("a flat buffer needs at least one tensor");
        var first = tensors[0];
        if (tensors.Any(t => t.dtype != first.dtype || t.device_type != first.device_type || t.device_index != first.device_index))
            throw new ArgumentException("the tensors of one flat buffer must share dtype and device");
        var flat = empty(tensors.Sum(t => t.numel()), first.dtype, first.device).DetachFromDisposeScope();
        var views = Views(flat, tensors.Select(t => t.shape).ToArray());
        using (no_grad())
        {
            for (int i = 0; i < tensors.Count; i++)
            {
                views[i].copy_(tensors[i]);
                rebind(i, views[i]);
            }
        }
        return flat;
    }

    /// <summary>Consecutive views of <paramref name="flat"/> with the given shapes (in order, no gaps).</summary>
    public static Tensor[] Views(Tensor flat, IReadOnlyList<long[]> shapes)
    {
        ArgumentNullException.ThrowIfNull(flat);
        ArgumentNullException.ThrowIfNull(shapes);
        var views = new Tensor[shapes.Count];
        long offset = 0;
        for (int i = 0; i < shapes.Count; i++)
        {
            long count = shapes[i].Aggregate(1L, (a, b) => a * b);
            views[i] = flat.narrow(0, offset, count).view(shapes[i]).DetachFromDisposeScope();
            offset += count;
        }
        if (offset != flat.numel()) throw new ArgumentException($"the shapes cover {offset} elements but the buffer has {flat.numel()}");
        return views;
    }
}
