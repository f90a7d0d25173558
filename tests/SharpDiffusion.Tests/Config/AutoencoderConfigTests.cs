using SharpDiffusion.Config;

namespace SharpDiffusion.Tests.Config;

public sealed class AutoencoderConfigTests
{
    private static RunConfig With(AutoencoderConfig ae, int imageSize = 32) => new()
    {
        Data = new DataConfig { ImageSize = imageSize },
        Model = new ModelConfig { Autoencoder = ae },
        Training = new TrainingConfig { Optimizer = OptimizerKind.Adam },
    };

    [Fact]
    public void Validate_DefaultAutoencoderAt32_HasNoErrors() => Assert.Empty(ConfigValidator.Validate(With(new AutoencoderConfig())));

    [Fact]
    public void Validate_FactorThatDoesNotDivideTheImageSize_NamesBoth()
    {
        var errors = ConfigValidator.Validate(With(new AutoencoderConfig { Factor = 8, PerceptualWeight = 0 }, imageSize: 12));
        Assert.Contains("'model.autoencoder.factor' (8) must divide data.image_size (12)", errors);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    public void Validate_FactorOutsideTwoFourEight_IsAnError(int factor) =>
        Assert.Contains("'model.autoencoder.factor' must be 2, 4 or 8", ConfigValidator.Validate(With(new AutoencoderConfig { Factor = factor })));

    [Fact]
    public void LevelMults_DefaultForEachFactor_OneLevelPerDownsamplingPlusOne()
    {
        Assert.Equal([1, 2], new AutoencoderConfig { Factor = 2 }.LevelMults());
        Assert.Equal([1, 2, 4], new AutoencoderConfig { Factor = 4 }.LevelMults());
        Assert.Equal([1, 2, 4, 4], new AutoencoderConfig { Factor = 8 }.LevelMults());
    }

    [Fact]
    public void Validate_DimMultsOfTheWrongLength_SaysHowManyAreNeeded() =>
        Assert.Contains(ConfigValidator.Validate(With(new AutoencoderConfig { Factor = 4, DimMults = [1, 2] })), e => e.Contains("must be 3 factors", StringComparison.Ordinal));

    [Fact]
    public void Validate_FusedOptimizer_IsRefusedForAnAutoencoder() =>
        Assert.Contains(ConfigValidator.Validate(With(new AutoencoderConfig()) with { Training = new TrainingConfig() }), e => e.StartsWith("'training.optimizer'", StringComparison.Ordinal));

    [Fact]
    public void Validate_PerceptualTermBelow32Pixels_IsAnError() =>
        Assert.Contains(ConfigValidator.Validate(With(new AutoencoderConfig(), imageSize: 16)), e => e.StartsWith("'model.autoencoder.perceptual_weight' needs", StringComparison.Ordinal));

    [Fact]
    public void ShippedConfig_ShapesAutoencoder_LoadsAndIsValid()
    {
        var config = ConfigLoader.Load(Path.Combine(RepoRoot(), "configs", "shapes-autoencoder.json"), []);
        Assert.Equal(4, config.Model.Autoencoder!.Factor);
        Assert.Empty(ConfigValidator.Validate(config));
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));
}
