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
    private readonly Module<Tensor, Tensor> _attention;
    private readonly Module<Tensor, Tensor> _downsample;

    public ReferenceDownLevel(IReadOnlyList<ReferenceResnetBlock> blocks, Module<Tensor, Tensor> attention, Module<Tensor, Tensor> downsample)
        : base(nameof(ReferenceDownLevel))
    {
        _blocks = [.. blocks];
        _attention = attention;
        _downsample = downsample;
        for (int i = 0; i < _blocks.Count; i++) register_module($"{i}", _blocks[i]);
        register_module($"{_blocks.Count}", _attention);
        register_module($"{_blocks.Count + 1}", _downsample);
    }

    /// <summary>Runs the level on <paramref name="h"/>, appending each skip to <paramref name="skips"/>; returns the downsampled map.</summary>
    public Tensor Forward(Tensor h, Tensor embedding, List<Tensor> skips)
    {
        for (int i = 0; i < _blocks.Count; i++)
        {
            h = _blocks[i].forward(h, embedding);
            if (i == _blocks.Count - 1) h = _attention.forward(h);
            skips.Add(h);
        }
        return _downsample.forward(h);
    }
}
