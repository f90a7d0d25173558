using System.Text.RegularExpressions;
using SharpDiffusion.Config;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.DenoisingDiffusionPytorch;

/// <summary>
/// The <c>model.*</c> settings of the reference layout that a denoising-diffusion-pytorch 2.x <c>Unet</c>'s weights imply
/// (docs/model.md, "Reference layout: parameter names"): dim and channels from <c>init_conv.weight</c> [dim, C, 7, 7];
/// the level widths from each level's first block (<c>downs.{i}.0.block1.proj.weight</c>) and <c>mid_block1</c>; blocks
/// per level from the children of <c>downs.0</c>; heads × head_dim from <c>mid_attn.mem_kv</c> [2, heads, 4, head_dim];
/// full versus linear attention per level from <c>to_out.weight</c> versus <c>to_out.0.weight</c>. Only the image size
/// is not in the weights (convolutions do not depend on it): full attention at level i becomes the side image_size / 2^i.
/// </summary>
internal static partial class UnetShape
{
    public sealed record Inferred(ModelConfig Model, int Channels);

    public static Inferred Infer(IReadOnlyDictionary<string, Tensor> weights, int imageSize, string path)
    {
        long[] Shape(string key) => weights.TryGetValue(key, out var t) ? t.shape
            : throw new InteropException($"'{path}' has no Unet weight '{key}', which every denoising-diffusion-pytorch 2.x Unet has; it is not a checkpoint of that Unet.");

        if (weights.ContainsKey("time_mlp.0.weights"))
            throw new InteropException($"'{path}' uses learned or random Fourier time features (time_mlp.0.weights), which the reference layout does not reproduce; only the sinusoidal embedding can be imported.");
        var init = Shape("init_conv.weight");
        var final = Shape("final_conv.weight");
        if (init.Length != 4 || init[2] != 7 || final.Length != 4) throw new InteropException($"'{path}': init_conv.weight has shape [{string.Join(", ", init)}], not the 7×7 convolution of the 2.x Unet.");
        int dim = (int)init[0], inputChannels = (int)init[1], outputChannels = (int)final[0];
        if (outputChannels == 2 * inputChannels)
            throw new InteropException($"'{path}' is a Unet with learned_variance (final_conv has {outputChannels} = 2 × {inputChannels} channels), which this library does not reproduce.");
        if (inputChannels == 2 * outputChannels)
            throw new InteropException($"'{path}' is a Unet with self_condition (init_conv takes {inputChannels} = 2 × {outputChannels} channels), which this library does not reproduce.");
        if (inputChannels != outputChannels)
            throw new InteropException($"'{path}': init_conv takes {inputChannels} channels but final_conv gives {outputChannels}; it is not a denoising-diffusion-pytorch image Unet.");

        var levelIndices = weights.Keys.Select(k => DownKey().Match(k)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order().ToList();
        if (levelIndices.Count == 0 || levelIndices[^1] != levelIndices.Count - 1)
            throw new InteropException($"'{path}' has no consecutive downs.0, downs.1, … levels; it is not a checkpoint of the 2.x Unet.");
        int levels = levelIndices.Count;
        int blocks = Enumerable.Range(0, 64).TakeWhile(j => weights.ContainsKey($"downs.0.{j}.block1.proj.weight")).Count();
        if (blocks == 0) throw new InteropException($"'{path}' has no residual block downs.0.0; it is not a checkpoint of the 2.x Unet.");

        var widths = Enumerable.Range(0, levels).Select(i => Shape($"downs.{i}.0.block1.proj.weight")[1]).Append(Shape("mid_block1.block1.proj.weight")[0]).ToList();
        var mults = widths.Skip(1).Select(w => w % dim == 0 ? (int)(w / dim) : throw new InteropException($"'{path}': a level width of {w} is not a multiple of dim {dim}; it is not a checkpoint of the 2.x Unet.")).ToList();

        var heads = Shape("mid_attn.mem_kv");
        if (heads.Length != 4 || heads[0] != 2 || heads[2] != 4) throw new InteropException($"'{path}': mid_attn.mem_kv has shape [{string.Join(", ", heads)}], not [2, heads, 4, head_dim] as in the 2.x Unet.");
        int headCount = (int)heads[1], headDim = (int)heads[3];

        var fullLevels = new List<int>();
        for (int i = 0; i < levels; i++)
        {
            bool full = weights.ContainsKey($"downs.{i}.{blocks}.to_out.weight");
            var memory = Shape($"downs.{i}.{blocks}.mem_kv");
            var expected = full ? new long[] { 2, headCount, 4, headDim } : [2, headCount, headDim, 4];
            if (!memory.SequenceEqual(expected))
                throw new InteropException($"'{path}': downs.{i}.{blocks}.mem_kv has shape [{string.Join(", ", memory)}] but the middle attention has {headCount} heads × {headDim}; per-level heads are not reproduced.");
            if (full) fullLevels.Add(i);
        }

        if (imageSize % (1 << (levels - 1)) != 0)
            throw new InteropException($"--image-size {imageSize} is not divisible by 2^{levels - 1}, as this {levels}-level Unet needs; pass the image_size the GaussianDiffusion was built with.");
        var model = new ModelConfig
        {
            Layout = UNetLayout.Reference,
            Dim = dim,
            DimMults = mults,
            ResBlocks = blocks,
            AttentionResolutions = fullLevels.Select(i => imageSize >> i).ToList(),
            Heads = headCount,
            HeadDim = headDim,
            Dropout = 0,
        };
        return new Inferred(model, inputChannels);
    }

    [GeneratedRegex(@"^downs\.(\d+)\.")]
    private static partial Regex DownKey();
}
