using System.Text.RegularExpressions;
using SharpDiffusion.Config;
using SharpDiffusion.Models;

namespace SharpDiffusion.Tests.Models;

/// <summary>The reference layout's state_dict keys are a documented, stable format (docs/model.md) that mirrors
/// denoising-diffusion-pytorch 2.x's Unet, so a converter can map its checkpoints one to one.</summary>
public partial class ReferenceLayoutKeyTests
{
    // Snapshot for the reference layout with dim 8, mults [1, 2], 2 res blocks, full attention at 8 px (the innermost
    // level), 2 heads × 4, 16-px RGB images, 2 classes. Taken from the model; without class_emb.weight, the names and
    // shapes equal the state_dict of the PyTorch structure built with the same arguments (Unet(8, dim_mults=(1, 2),
    // attn_heads=2, attn_dim_head=4), modules named as in denoising_diffusion_pytorch.py; checked with a throwaway
    // PyTorch script, see docs/model.md). A change here is a checkpoint-format change.
    private static readonly string[] TinyKeys =
    [
        "init_conv.weight",
        "init_conv.bias",
        "time_mlp.1.weight",
        "time_mlp.1.bias",
        "time_mlp.3.weight",
        "time_mlp.3.bias",
        "class_emb.weight",
        "downs.0.0.mlp.1.weight",
        "downs.0.0.mlp.1.bias",
        "downs.0.0.block1.proj.weight",
        "downs.0.0.block1.proj.bias",
        "downs.0.0.block1.norm.g",
        "downs.0.0.block2.proj.weight",
        "downs.0.0.block2.proj.bias",
        "downs.0.0.block2.norm.g",
        "downs.0.1.mlp.1.weight",
        "downs.0.1.mlp.1.bias",
        "downs.0.1.block1.proj.weight",
        "downs.0.1.block1.proj.bias",
        "downs.0.1.block1.norm.g",
        "downs.0.1.block2.proj.weight",
        "downs.0.1.block2.proj.bias",
        "downs.0.1.block2.norm.g",
        "downs.0.2.mem_kv",
        "downs.0.2.norm.g",
        "downs.0.2.to_qkv.weight",
        "downs.0.2.to_out.0.weight",
        "downs.0.2.to_out.0.bias",
        "downs.0.2.to_out.1.g",
        "downs.0.3.1.weight",
        "downs.0.3.1.bias",
        "downs.1.0.mlp.1.weight",
        "downs.1.0.mlp.1.bias",
        "downs.1.0.block1.proj.weight",
        "downs.1.0.block1.proj.bias",
        "downs.1.0.block1.norm.g",
        "downs.1.0.block2.proj.weight",
        "downs.1.0.block2.proj.bias",
        "downs.1.0.block2.norm.g",
        "downs.1.1.mlp.1.weight",
        "downs.1.1.mlp.1.bias",
        "downs.1.1.block1.proj.weight",
        "downs.1.1.block1.proj.bias",
        "downs.1.1.block1.norm.g",
        "downs.1.1.block2.proj.weight",
        "downs.1.1.block2.proj.bias",
        "downs.1.1.block2.norm.g",
        "downs.1.2.mem_kv",
        "downs.1.2.norm.g",
        "downs.1.2.to_qkv.weight",
        "downs.1.2.to_out.weight",
        "downs.1.2.to_out.bias",
        "downs.1.3.weight",
        "downs.1.3.bias",
        "mid_block1.mlp.1.weight",
        "mid_block1.mlp.1.bias",
        "mid_block1.block1.proj.weight",
        "mid_block1.block1.proj.bias",
        "mid_block1.block1.norm.g",
        "mid_block1.block2.proj.weight",
        "mid_block1.block2.proj.bias",
        "mid_block1.block2.norm.g",
        "mid_attn.mem_kv",
        "mid_attn.norm.g",
        "mid_attn.to_qkv.weight",
        "mid_attn.to_out.weight",
        "mid_attn.to_out.bias",
        "mid_block2.mlp.1.weight",
        "mid_block2.mlp.1.bias",
        "mid_block2.block1.proj.weight",
        "mid_block2.block1.proj.bias",
        "mid_block2.block1.norm.g",
        "mid_block2.block2.proj.weight",
        "mid_block2.block2.proj.bias",
        "mid_block2.block2.norm.g",
        "ups.0.0.mlp.1.weight",
        "ups.0.0.mlp.1.bias",
        "ups.0.0.block1.proj.weight",
        "ups.0.0.block1.proj.bias",
        "ups.0.0.block1.norm.g",
        "ups.0.0.block2.proj.weight",
        "ups.0.0.block2.proj.bias",
        "ups.0.0.block2.norm.g",
        "ups.0.0.res_conv.weight",
        "ups.0.0.res_conv.bias",
        "ups.0.1.mlp.1.weight",
        "ups.0.1.mlp.1.bias",
        "ups.0.1.block1.proj.weight",
        "ups.0.1.block1.proj.bias",
        "ups.0.1.block1.norm.g",
        "ups.0.1.block2.proj.weight",
        "ups.0.1.block2.proj.bias",
        "ups.0.1.block2.norm.g",
        "ups.0.1.res_conv.weight",
        "ups.0.1.res_conv.bias",
        "ups.0.2.mem_kv",
        "ups.0.2.norm.g",
        "ups.0.2.to_qkv.weight",
        "ups.0.2.to_out.weight",
        "ups.0.2.to_out.bias",
        "ups.0.3.1.weight",
        "ups.0.3.1.bias",
        "ups.1.0.mlp.1.weight",
        "ups.1.0.mlp.1.bias",
        "ups.1.0.block1.proj.weight",
        "ups.1.0.block1.proj.bias",
        "ups.1.0.block1.norm.g",
        "ups.1.0.block2.proj.weight",
        "ups.1.0.block2.proj.bias",
        "ups.1.0.block2.norm.g",
        "ups.1.0.res_conv.weight",
        "ups.1.0.res_conv.bias",
        "ups.1.1.mlp.1.weight",
        "ups.1.1.mlp.1.bias",
        "ups.1.1.block1.proj.weight",
        "ups.1.1.block1.proj.bias",
        "ups.1.1.block1.norm.g",
        "ups.1.1.block2.proj.weight",
        "ups.1.1.block2.proj.bias",
        "ups.1.1.block2.norm.g",
        "ups.1.1.res_conv.weight",
        "ups.1.1.res_conv.bias",
        "ups.1.2.mem_kv",
        "ups.1.2.norm.g",
        "ups.1.2.to_qkv.weight",
        "ups.1.2.to_out.0.weight",
        "ups.1.2.to_out.0.bias",
        "ups.1.2.to_out.1.g",
        "ups.1.3.weight",
        "ups.1.3.bias",
        "final_res_block.mlp.1.weight",
        "final_res_block.mlp.1.bias",
        "final_res_block.block1.proj.weight",
        "final_res_block.block1.proj.bias",
        "final_res_block.block1.norm.g",
        "final_res_block.block2.proj.weight",
        "final_res_block.block2.proj.bias",
        "final_res_block.block2.norm.g",
        "final_res_block.res_conv.weight",
        "final_res_block.res_conv.bias",
        "final_conv.weight",
        "final_conv.bias",
    ];

    private const string Res = @"(mlp\.1\.(weight|bias)|block[12]\.(proj\.(weight|bias)|norm\.g)|res_conv\.(weight|bias))";
    private const string Attn = @"(norm\.g|mem_kv|to_qkv\.weight|to_out\.(weight|bias)|to_out\.0\.(weight|bias)|to_out\.1\.g)";

    // Level children: 0 … R−1 blocks, then the attention, then the resampler (a Sequential whose conv is ".1", or a
    // plain conv at the innermost down level and the outermost up level).
    [GeneratedRegex(
        @"^(init_conv\.(weight|bias)|time_mlp\.[13]\.(weight|bias)|class_emb\.weight" +
        @"|(downs|ups)\.\d+\.\d+\.(" + Res + "|" + Attn + @"|(1\.)?(weight|bias))" +
        @"|mid_block[12]\." + Res + @"|mid_attn\." + Attn +
        @"|final_res_block\." + Res + @"|final_conv\.(weight|bias))$")]
    private static partial Regex DocumentedKey();

    private static ModelConfig Tiny => new()
    {
        Layout = UNetLayout.Reference, Dim = 8, DimMults = [1, 2], ResBlocks = 2, AttentionResolutions = [8], Heads = 2, HeadDim = 4,
        ClassConditional = true, NumClasses = 2,
    };

    [Fact]
    public void StateDict_TinyConditionalConfig_EqualsGoldenKeyList()
    {
        using var model = new UNet(Tiny, 3, 16);
        Assert.Equal(TinyKeys, model.state_dict().Keys);
    }

    [Fact]
    public void StateDict_TinyConfig_ShapesFollowTheReferenceLayout()
    {
        using var model = new UNet(Tiny, 3, 16);
        var shapes = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);

        Assert.Equal([8L, 3, 7, 7], shapes["init_conv.weight"]);
        Assert.Equal([2L, 2, 4, 4], shapes["downs.0.2.mem_kv"]);           // linear: [2, heads, head_dim, 4]
        Assert.Equal([1L, 8, 1, 1], shapes["downs.0.2.to_out.1.g"]);
        Assert.Equal([8L, 4 * 8, 1, 1], shapes["downs.0.3.1.weight"]);     // pixel-unshuffle then 1×1: 4·dims[0] → dims[1]
        Assert.Equal([16L, 8, 3, 3], shapes["downs.1.3.weight"]);          // innermost: 3×3, dims[1] → dims[2], no resize
        Assert.Equal([16L, 8 + 16, 3, 3], shapes["ups.0.0.block1.proj.weight"]); // running 16 + skip 8 → 16
        Assert.Equal([8L, 16, 3, 3], shapes["ups.0.3.1.weight"]);          // nearest ×2 then 3×3: 16 → 8
        Assert.Equal([8L, 16, 3, 3], shapes["final_res_block.block1.proj.weight"]); // cat(x, init_conv output)
        Assert.Equal([3L, 8, 1, 1], shapes["final_conv.weight"]);
        Assert.Equal([3L, 32], shapes["class_emb.weight"]);                // 2 classes + the null class
    }

    [Fact]
    public void StateDict_DefaultShapedConfig_KeysAreUniqueParametersMatchingDocumentedPattern()
    {
        var config = new ModelConfig { Layout = UNetLayout.Reference, Dim = 8, AttentionResolutions = [8], ClassConditional = true, NumClasses = 5 };
        using var model = new UNet(config, 3, 64);
        var keys = model.state_dict().Keys.ToList();

        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(model.named_parameters().Select(p => p.name).ToList(), keys);  // no buffers
        Assert.All(keys, key => Assert.Matches(DocumentedKey(), key));
        // 4 levels × 2 blocks each way; res_conv only where widths differ: every up block and the final block.
        Assert.Equal(8, keys.Count(k => k.StartsWith("downs.", StringComparison.Ordinal) && k.EndsWith("block1.proj.weight", StringComparison.Ordinal)));
        Assert.Equal(8, keys.Count(k => k.StartsWith("ups.", StringComparison.Ordinal) && k.EndsWith("block1.proj.weight", StringComparison.Ordinal)));
        Assert.Equal(9, keys.Count(k => k.EndsWith("res_conv.weight", StringComparison.Ordinal)));
        Assert.Equal(4 + 4 + 1, keys.Count(k => k.EndsWith("mem_kv", StringComparison.Ordinal)));
    }
}
