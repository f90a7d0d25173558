using System.Text.RegularExpressions;
using SharpDiffusion.Config;
using SharpDiffusion.Models;

namespace SharpDiffusion.Tests.Models;

/// <summary>The state_dict keys are a documented, stable format (docs/model.md): checkpoints and the PyTorch bridge depend on them.</summary>
public partial class ModelStateDictKeyTests
{
    // Snapshot for dim 8, mults [1, 2], 1 res block, attention at 8 px, 16 px images, 2 classes, taken from the model and
    // checked by hand against the naming scheme of docs/model.md; a change here is a checkpoint-format change.
    private static readonly string[] TinyKeys =
    [
        "init_conv.weight",
        "init_conv.bias",
        "time_mlp.0.weight",
        "time_mlp.0.bias",
        "time_mlp.2.weight",
        "time_mlp.2.bias",
        "class_emb.weight",
        "downs.0.blocks.0.norm1.weight",
        "downs.0.blocks.0.norm1.bias",
        "downs.0.blocks.0.conv1.weight",
        "downs.0.blocks.0.conv1.bias",
        "downs.0.blocks.0.time_proj.weight",
        "downs.0.blocks.0.time_proj.bias",
        "downs.0.blocks.0.norm2.weight",
        "downs.0.blocks.0.norm2.bias",
        "downs.0.blocks.0.conv2.weight",
        "downs.0.blocks.0.conv2.bias",
        "downs.0.downsample.weight",
        "downs.0.downsample.bias",
        "downs.1.blocks.0.norm1.weight",
        "downs.1.blocks.0.norm1.bias",
        "downs.1.blocks.0.conv1.weight",
        "downs.1.blocks.0.conv1.bias",
        "downs.1.blocks.0.time_proj.weight",
        "downs.1.blocks.0.time_proj.bias",
        "downs.1.blocks.0.norm2.weight",
        "downs.1.blocks.0.norm2.bias",
        "downs.1.blocks.0.conv2.weight",
        "downs.1.blocks.0.conv2.bias",
        "downs.1.blocks.0.skip.weight",
        "downs.1.blocks.0.skip.bias",
        "downs.1.attns.0.norm.weight",
        "downs.1.attns.0.norm.bias",
        "downs.1.attns.0.qkv.weight",
        "downs.1.attns.0.proj.weight",
        "downs.1.attns.0.proj.bias",
        "mid.block1.norm1.weight",
        "mid.block1.norm1.bias",
        "mid.block1.conv1.weight",
        "mid.block1.conv1.bias",
        "mid.block1.time_proj.weight",
        "mid.block1.time_proj.bias",
        "mid.block1.norm2.weight",
        "mid.block1.norm2.bias",
        "mid.block1.conv2.weight",
        "mid.block1.conv2.bias",
        "mid.attn.norm.weight",
        "mid.attn.norm.bias",
        "mid.attn.qkv.weight",
        "mid.attn.proj.weight",
        "mid.attn.proj.bias",
        "mid.block2.norm1.weight",
        "mid.block2.norm1.bias",
        "mid.block2.conv1.weight",
        "mid.block2.conv1.bias",
        "mid.block2.time_proj.weight",
        "mid.block2.time_proj.bias",
        "mid.block2.norm2.weight",
        "mid.block2.norm2.bias",
        "mid.block2.conv2.weight",
        "mid.block2.conv2.bias",
        "ups.0.blocks.0.norm1.weight",
        "ups.0.blocks.0.norm1.bias",
        "ups.0.blocks.0.conv1.weight",
        "ups.0.blocks.0.conv1.bias",
        "ups.0.blocks.0.time_proj.weight",
        "ups.0.blocks.0.time_proj.bias",
        "ups.0.blocks.0.norm2.weight",
        "ups.0.blocks.0.norm2.bias",
        "ups.0.blocks.0.conv2.weight",
        "ups.0.blocks.0.conv2.bias",
        "ups.0.blocks.0.skip.weight",
        "ups.0.blocks.0.skip.bias",
        "ups.0.blocks.1.norm1.weight",
        "ups.0.blocks.1.norm1.bias",
        "ups.0.blocks.1.conv1.weight",
        "ups.0.blocks.1.conv1.bias",
        "ups.0.blocks.1.time_proj.weight",
        "ups.0.blocks.1.time_proj.bias",
        "ups.0.blocks.1.norm2.weight",
        "ups.0.blocks.1.norm2.bias",
        "ups.0.blocks.1.conv2.weight",
        "ups.0.blocks.1.conv2.bias",
        "ups.0.blocks.1.skip.weight",
        "ups.0.blocks.1.skip.bias",
        "ups.0.attns.0.norm.weight",
        "ups.0.attns.0.norm.bias",
        "ups.0.attns.0.qkv.weight",
        "ups.0.attns.0.proj.weight",
        "ups.0.attns.0.proj.bias",
        "ups.0.attns.1.norm.weight",
        "ups.0.attns.1.norm.bias",
        "ups.0.attns.1.qkv.weight",
        "ups.0.attns.1.proj.weight",
        "ups.0.attns.1.proj.bias",
        "ups.0.upsample.weight",
        "ups.0.upsample.bias",
        "ups.1.blocks.0.norm1.weight",
        "ups.1.blocks.0.norm1.bias",
        "ups.1.blocks.0.conv1.weight",
        "ups.1.blocks.0.conv1.bias",
        "ups.1.blocks.0.time_proj.weight",
        "ups.1.blocks.0.time_proj.bias",
        "ups.1.blocks.0.norm2.weight",
        "ups.1.blocks.0.norm2.bias",
        "ups.1.blocks.0.conv2.weight",
        "ups.1.blocks.0.conv2.bias",
        "ups.1.blocks.0.skip.weight",
        "ups.1.blocks.0.skip.bias",
        "ups.1.blocks.1.norm1.weight",
        "ups.1.blocks.1.norm1.bias",
        "ups.1.blocks.1.conv1.weight",
        "ups.1.blocks.1.conv1.bias",
        "ups.1.blocks.1.time_proj.weight",
        "ups.1.blocks.1.time_proj.bias",
        "ups.1.blocks.1.norm2.weight",
        "ups.1.blocks.1.norm2.bias",
        "ups.1.blocks.1.conv2.weight",
        "ups.1.blocks.1.conv2.bias",
        "ups.1.blocks.1.skip.weight",
        "ups.1.blocks.1.skip.bias",
        "final_norm.weight",
        "final_norm.bias",
        "final_conv.weight",
        "final_conv.bias",
    ];

    private const string Res = @"(norm1|conv1|time_proj|norm2|conv2|skip)\.(weight|bias)";
    private const string Attn = @"(norm\.(weight|bias)|qkv\.weight|proj\.(weight|bias))";

    [GeneratedRegex(
        @"^(init_conv\.(weight|bias)|time_mlp\.[02]\.(weight|bias)|class_emb\.weight" +
        @"|downs\.\d+\.(blocks\.\d+\." + Res + @"|attns\.\d+\." + Attn + @"|downsample\.(weight|bias))" +
        @"|mid\.(block[12]\." + Res + @"|attn\." + Attn + @")" +
        @"|ups\.\d+\.(blocks\.\d+\." + Res + @"|attns\.\d+\." + Attn + @"|upsample\.(weight|bias))" +
        @"|final_(norm|conv)\.(weight|bias))$")]
    private static partial Regex DocumentedKey();

    [Fact]
    public void StateDict_TinyConditionalConfig_EqualsGoldenKeyList()
    {
        var config = new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1, AttentionResolutions = [8], Heads = 2, HeadDim = 4, ClassConditional = true, NumClasses = 2 };
        using var model = new UNet(config, 3, 16);
        Assert.Equal(TinyKeys, model.state_dict().Keys);
    }

    [Fact]
    public void StateDict_DefaultShapedConfig_KeysAreUniqueAndMatchDocumentedPattern()
    {
        var config = new ModelConfig { Dim = 8, ClassConditional = true, NumClasses = 5 };
        using var model = new UNet(config, 3, 64);
        var keys = model.state_dict().Keys.ToList();
        var parameterNames = model.named_parameters().Select(p => p.name).ToList();

        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(parameterNames, keys);  // no buffers: every key is a trainable parameter
        Assert.All(keys, key => Assert.Matches(DocumentedKey(), key));
        // 4 levels × 2 blocks down, 4 × 3 up; skip convs exactly where widths change (3 down, all 12 up since every up input is a concatenation).
        Assert.Equal(8, keys.Count(k => k.StartsWith("downs.", StringComparison.Ordinal) && k.EndsWith("conv1.weight", StringComparison.Ordinal)));
        Assert.Equal(12, keys.Count(k => k.StartsWith("ups.", StringComparison.Ordinal) && k.EndsWith("conv1.weight", StringComparison.Ordinal)));
        Assert.Equal(3, keys.Count(k => k.StartsWith("downs.", StringComparison.Ordinal) && k.EndsWith("skip.weight", StringComparison.Ordinal)));
        Assert.Equal(12, keys.Count(k => k.StartsWith("ups.", StringComparison.Ordinal) && k.EndsWith("skip.weight", StringComparison.Ordinal)));
        Assert.Equal(3, keys.Count(k => k.EndsWith("downsample.weight", StringComparison.Ordinal)));
        Assert.Equal(3, keys.Count(k => k.EndsWith("upsample.weight", StringComparison.Ordinal)));
    }

    [Fact]
    public void StateDict_UnconditionalModel_HasNoClassEmbedding()
    {
        using var model = new UNet(new ModelConfig { Dim = 8, DimMults = [1, 2], ResBlocks = 1 }, 3, 16);
        Assert.DoesNotContain("class_emb.weight", model.state_dict().Keys);
    }
}
