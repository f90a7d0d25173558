using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// One resolution of denoising-diffusion-pytorch 2.x's expanding path, generalised to R blocks: each block takes the
/// previous output concatenated with the most recent skip, one attention follows the last block, then the narrowing
/// upsampler. Children are named by position: "0" … "R−1" blocks, "R" attention, "R+1" upsampler.
/// </summary>
internal sealed class ReferenceUpLevel : Module
{
    private readonly List<ReferenceResnetBlock> _blocks;
    // Held in a tuple, not in Module-typed fields: TorchSharp registers such fields by their own names, which would add a
    // second copy of these parameters under "_attention"/"_upsample" besides the positional names.
    private readonly (Module<Tensor, Tensor> Attention, Module<Tensor, Tensor> Upsample) _tail;

    public ReferenceUpLevel(IReadOnlyList<ReferenceResnetBlock> blocks, Module<Tensor, Tensor> attention, Module<Tensor, Tensor> upsample)
        : base(nameof(ReferenceUpLevel))
    {
        _blocks = [.. blocks];
        _tail = (attention, upsample);
        for (int i = 0; i < _blocks.Count; i++) register_module($"{i}", _blocks[i]);
        register_module($"{_blocks.Count}", attention);
        register_module($"{_blocks.Count + 1}", upsample);
    }

    /// <summary>Runs the level on <paramref name="h"/>, taking its skips from the end of <paramref name="skips"/>.</summary>
    public Tensor Forward(Tensor h, Tensor embedding, List<Tensor> skips)
    {
        foreach (var block in _blocks)
        {
            var skip = skips[^1];
            skips.RemoveAt(skips.Count - 1);
            h = block.forward(cat([h, skip], dim: 1), embedding);
        }
        return _tail.Upsample.forward(_tail.Attention.forward(h));
    }
}
