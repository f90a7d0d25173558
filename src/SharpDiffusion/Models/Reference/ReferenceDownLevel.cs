using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// One resolution of denoising-diffusion-pytorch 2.x's contracting path, generalised to R blocks: residual blocks at the
/// level's input width (each output is a skip, the last one taken after the attention), one attention, then the
/// widening downsampler. Children are named by position as in PyTorch's <c>ModuleList</c>: "0" … "R−1" blocks,
/// "R" attention, "R+1" downsampler.
/// </summary>
internal sealed class ReferenceDownLevel : Module
{
    private readonly List<ReferenceResnetBlock> _blocks;
    // Held in a tuple, not in Module-typed fields: TorchSharp registers such fields by their own names, which would add a
    // second copy of these parameters under "_attention"/"_downsample" besides the positional names.
    private readonly (Module<Tensor, Tensor> Attention, Module<Tensor, Tensor> Downsample) _tail;

    public ReferenceDownLevel(IReadOnlyList<ReferenceResnetBlock> blocks, Module<Tensor, Tensor> attention, Module<Tensor, Tensor> downsample)
        : base(nameof(ReferenceDownLevel))
    {
        _blocks = [.. blocks];
        _tail = (attention, downsample);
        for (int i = 0; i < _blocks.Count; i++) register_module($"{i}", _blocks[i]);
        register_module($"{_blocks.Count}", attention);
        register_module($"{_blocks.Count + 1}", downsample);
    }

    /// <summary>Runs the level on <paramref name="h"/>, appending each skip to <paramref name="skips"/>; returns the downsampled map.</summary>
    public Tensor Forward(Tensor h, Tensor embedding, List<Tensor> skips)
    {
        for (int i = 0; i < _blocks.Count; i++)
        {
            h = _blocks[i].forward(h, embedding);
            if (i == _blocks.Count - 1) h = _tail.Attention.forward(h);
            skips.Add(h);
        }
        return _tail.Downsample.forward(h);
    }
}
