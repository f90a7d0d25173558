using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpDiffusion.Training.Fused;

/// <summary>One dtype/device share of a module's parameters: the flat buffers and the parameters viewing them, in order.</summary>
public sealed record FlatGroup(Parameter[] Members, Tensor Values, Tensor? Gradients);

/// <summary>
/// A module's parameters re-pointed into one flat buffer per dtype and device (<see cref="FlatBuffer"/>), and optionally
/// their gradients into a second one, so optimizer, clipping and EMA touch whole buffers. Build it after
/// <c>model.to(device)</c> (which replaces parameters) and before anything keeps references to parameter storage.
/// </summary>
/// <remarks>
/// Parameters keep their identity (handles, names, requires_grad); only their storage moves, so state_dict, save/load (which
/// write in place) and autograd see the same tensors. Autograd accumulates into an existing .grad in place, so gradients
/// stay views as long as nothing sets them to null: <see cref="ZeroGradients"/> zeroes the buffers instead.
/// </remarks>
public sealed class FlatParameters : IDisposable
{
    public IReadOnlyList<FlatGroup> Groups { get; }

    public FlatParameters(nn.Module module, bool withGradients)
    {
        ArgumentNullException.ThrowIfNull(module);
        var groups = new List<FlatGroup>();
        foreach (var members in module.parameters().GroupBy(p => (p.dtype, p.device.type, p.device.index)).Select(g => g.ToArray()))
        {
            var values = FlatBuffer.Create(members, (i, view) => members[i].set_(view));
            Tensor? gradients = null;
            if (withGradients)
            {
                gradients = zeros_like(values).DetachFromDisposeScope();
                var views = FlatBuffer.Views(gradients, members.Select(p => p.shape).ToArray());
                for (int i = 0; i < members.Length; i++) members[i].grad = views[i];
            }
            groups.Add(new FlatGroup(members, values, gradients));
        }
        Groups = groups;
    }

    /// <summary>Total number of scalars.</summary>
    public long Count => Groups.Sum(g => g.Values.numel());

    /// <summary>Zeroes every gradient buffer (one kernel per group); gradients stay views of it.</summary>
    public void ZeroGradients()
    {
        foreach (var group in Groups) group.Gradients?.zero_();
    }

    /// <summary>Whether <paramref name="other"/> has the same groups with the same element counts (so buffers line up).</summary>
    public bool LinesUpWith(FlatParameters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Groups.Count == other.Groups.Count && Groups.Zip(other.Groups).All(p => p.First.Values.numel() == p.Second.Values.numel());
    }

    public void Dispose()
    {
        // The parameters own references to the storage; these handles are only the buffers' own.
        foreach (var group in Groups)
        {
            group.Values.Dispose();
            group.Gradients?.Dispose();
        }
    }
}
