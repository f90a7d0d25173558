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
    public void Validate_DefaultDiscriminatorKeys_AreOffAndValid()
    {
        var ae = new AutoencoderConfig();
        Assert.Equal((0.0, 50001, 3, 64), (ae.DiscriminatorWeight, ae.DiscriminatorStart, ae.DiscriminatorLayers, ae.DiscriminatorDim));
        Assert.Empty(ConfigValidator.Validate(With(ae)));
    }

    [Fact]
    public void Validate_DiscriminatorOnAndStartingInTime_HasNoErrors() =>
        Assert.Empty(ConfigValidator.Validate(With(new AutoencoderConfig { DiscriminatorWeight = 0.5, DiscriminatorStart = 10 })));

    [Theory]
    [InlineData(-0.5, 0, 3, 64, "'model.autoencoder.discriminator_weight' must be 0 (no discriminator) or a positive number such as 0.5")]
    [InlineData(double.NaN, 0, 3, 64, "'model.autoencoder.discriminator_weight' must be 0 (no discriminator) or a positive number such as 0.5")]
    [InlineData(0.5, -1, 3, 64, "'model.autoencoder.discriminator_start' must not be negative (0 trains the discriminator from the first step)")]
    [InlineData(0.5, 0, 0, 64, "'model.autoencoder.discriminator_layers' must be between 1 and 8")]
    [InlineData(0.5, 0, 3, 4, "'model.autoencoder.discriminator_dim' must be between 8 and 1024")]
    // 32 px with 4 layers: 32 → 2 after four halvings, then the two stride-1 convolutions leave nothing.
    [InlineData(0.5, 0, 4, 64, "'model.autoencoder.discriminator_layers' (4) leaves no patch of a 32-pixel image (each layer halves it); use fewer layers")]
    // The discriminator would never train: the adversarial terms start at step discriminator_start + 1.
    [InlineData(0.5, 20, 3, 64, "'model.autoencoder.discriminator_start' (20) must be below training.steps (20), or the discriminator never trains; lower it or set discriminator_weight to 0")]
    public void Validate_BadDiscriminatorKey_IsOneSentenceNamingIt(double weight, int start, int layers, int dim, string error)
    {
        var config = With(new AutoencoderConfig { DiscriminatorWeight = weight, DiscriminatorStart = start, DiscriminatorLayers = layers, DiscriminatorDim = dim });
        config = config with { Training = config.Training with { Steps = 20 } };
        Assert.Equal([error], ConfigValidator.Validate(config));
    }

    [Fact]
    public void Load_DiscriminatorKeysInJson_BindFromSnakeCase()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sd-ae-disc-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, """
                { "data": { "image_size": 32 }, "training": { "optimizer": "adam", "steps": 100 },
                  "model": { "autoencoder": { "discriminator_weight": 0.5, "discriminator_start": 40, "discriminator_layers": 2, "discriminator_dim": 32 } } }
                """);
            var ae = ConfigLoader.Load(path, []).Model.Autoencoder!;
            Assert.Equal((0.5, 40, 2, 32), (ae.DiscriminatorWeight, ae.DiscriminatorStart, ae.DiscriminatorLayers, ae.DiscriminatorDim));
        }
        finally
        {
            File.Delete(path);
        }
    }

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
