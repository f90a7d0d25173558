using SharpDiffusion.Config;
using SharpDiffusion.Models;

namespace SharpDiffusion.Tests.Models;

/// <summary>
/// Produces the parameter-count table of docs/model.md: default config (mults 1,2,4,8, 2 res blocks, attention at 16), RGB, 64×64.
/// dim 64 is built; dims 96 and 128 (0.5 and 0.9 GB of weights) come from the closed form, which equals the built model
/// for every config of <see cref="ModelParameterCountTests"/> and for dim 64 here.
/// </summary>
public class ModelParameterTableTests
{
    private const long Dim64 = 57_942_595;

    [Fact]
    public void Of_DefaultConfigDim64At64Pixels_MatchesDocumentedTable()
    {
        var config = new ModelConfig { Dim = 64 };
        using var model = new UNet(config, channels: 3, imageSize: 64);
        long built = ParameterCount.Of(model);
        Assert.Equal(ModelParameterCountTests.ClosedForm(config, 3, 64), built);
        Assert.Equal(Dim64, built);
    }

    [Theory]
    [InlineData(64, Dim64)]
    [InlineData(96, 129_633_123L)]
    [InlineData(128, 229_803_139L)]
    public void ClosedForm_DefaultConfigAt64Pixels_MatchesDocumentedTable(int dim, long documented)
    {
        Assert.Equal(documented, ModelParameterCountTests.ClosedForm(new ModelConfig { Dim = dim }, 3, 64));
    }
}
