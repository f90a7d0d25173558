using SharpDiffusion.Config;

namespace SharpDiffusion.Tests.Config;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string json)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Serialize_ThenLoad_RoundTripsEveryField()
    {
        var original = new RunConfig
        {
            Name = "x", Seed = 7,
            Data = new DataConfig { Source = DataSource.FashionMnist, Path = "/d", ImageSize = 32, Channels = 1, Resize = ResizePolicy.CenterCrop, Hflip = true, Limit = 3 },
            Model = new ModelConfig { Dim = 16, DimMults = [1, 2], AttentionResolutions = [], ClassConditional = true, Dropout = 0.1 },
            Diffusion = new DiffusionConfig { Schedule = BetaSchedule.Sigmoid, Objective = Objective.V, Timesteps = 500 },
            Training = new TrainingConfig { Lr = 2e-5, Steps = 12, Precision = Precision.Bf16, Device = "cpu" },
        };
        var loaded = ConfigLoader.Load(Write("c.json", ConfigJson.Serialize(original)));

        Assert.Equal(ConfigJson.Serialize(original), ConfigJson.Serialize(loaded));
        Assert.Equal(original.Data, loaded.Data);
        Assert.Equal([1, 2], loaded.Model.DimMults);
    }

    [Fact]
    public void Serialize_UsesSnakeCaseKeysAndKebabCaseEnums()
    {
        string json = ConfigJson.Serialize(new RunConfig { Data = new DataConfig { Resize = ResizePolicy.CenterCrop, Source = DataSource.FashionMnist } });
        Assert.Contains("\"image_size\"", json, StringComparison.Ordinal);
        Assert.Contains("\"center-crop\"", json, StringComparison.Ordinal);
        Assert.Contains("\"fashion-mnist\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WithExtends_ChildWinsObjectsMergeListsReplace()
    {
        Write("base.json", """{ "name": "base", "model": { "dim": 64, "dim_mults": [1, 2, 4, 8] }, "training": { "lr": 1e-4, "steps": 100 } }""");
        Write("mid.json", """{ "extends": "base.json", "training": { "lr": 2e-5 } }""");
        string child = Write("child.json", """{ "extends": "mid.json", "name": "child", "model": { "dim_mults": [1, 2] } }""");

        var config = ConfigLoader.Load(child);

        Assert.Equal("child", config.Name);
        Assert.Equal(64, config.Model.Dim);            // from base, untouched by the merge
        Assert.Equal([1, 2], config.Model.DimMults);    // lists replace
        Assert.Equal(2e-5, config.Training.Lr);         // nearer file wins
        Assert.Equal(100, config.Training.Steps);       // sibling keys kept
    }

    [Fact]
    public void Load_UnknownKey_ErrorNamesTheKey()
    {
        string path = Write("typo.json", """{ "training": { "learning_rate": 0.1 } }""");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));
        Assert.Contains("training.learning_rate", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongType_ErrorNamesTheKey()
    {
        string path = Write("type.json", """{ "model": { "dim": "wide" } }""");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));
        Assert.Contains("model.dim", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BadEnumValue_ErrorListsTheChoices()
    {
        string path = Write("enum.json", """{ "diffusion": { "schedule": "cosin" } }""");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path));
        Assert.Contains("diffusion.schedule", e.Message, StringComparison.Ordinal);
        Assert.Contains("linear, cosine, sigmoid or table", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("training.lr=-1", "training.lr")]
    [InlineData("model.groups=7", "model.groups")]
    [InlineData("data.image_size=30", "data.image_size")]
    [InlineData("training.sample_steps=5000", "training.sample_steps")]
    [InlineData("training.ema_power=0", "training.ema_power")]
    [InlineData("training.ema_inv_gamma=-1", "training.ema_inv_gamma")]
    public void Load_OutOfRangeValue_ErrorNamesTheKey(string assignment, string key)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, [assignment]));
        Assert.Contains(key, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_OverridesNestedValuesWithJsonOrText()
    {
        var config = ConfigLoader.Load(null, ["training.lr=2e-5", "model.dim_mults=[1,2]", "data.path=/some/dir", "data.hflip=true", "name=abc"]);
        Assert.Equal(2e-5, config.Training.Lr);
        Assert.Equal([1, 2], config.Model.DimMults);
        Assert.Equal("/some/dir", config.Data.Path);
        Assert.True(config.Data.Hflip);
        Assert.Equal("abc", config.Name);
    }

    [Fact]
    public void Set_KeyOfAnOptionalSectionTheFileLeavesOut_TakesEffect()
    {
        // The file's model.autoencoder names only factor; discriminator_weight and discriminator_start are still its keys.
        string path = Write("ae.json", """{ "data": { "image_size": 32 }, "model": { "autoencoder": { "factor": 4 } }, "training": { "optimizer": "adam", "steps": 100 } }""");
        var config = ConfigLoader.Load(path, ["model.autoencoder.discriminator_weight=0.5", "model.autoencoder.discriminator_start=50"]);
        Assert.Equal((4, 0.5, 50), (config.Model.Autoencoder!.Factor, config.Model.Autoencoder.DiscriminatorWeight, config.Model.Autoencoder.DiscriminatorStart));
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(path, ["model.autoencoder.discriminator_wieght=0.5"]));
        Assert.Contains("unknown key 'model.autoencoder.discriminator_wieght'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_KeyOfAnOptionalSectionTheFileDoesNotHave_CreatesItWithItsDefaults()
    {
        // As if the file named the section with that one key: the section's other keys keep their defaults.
        var edm = ConfigLoader.Load(null, ["diffusion.formulation=edm", "diffusion.edm.p_mean=-0.4"]);
        Assert.Equal((-0.4, new EdmConfig().PStd, new EdmConfig().SigmaMax), (edm.Diffusion.Edm!.PMean, edm.Diffusion.Edm.PStd, edm.Diffusion.Edm.SigmaMax));
        var augmented = ConfigLoader.Load(null, ["data.augment.p=0.2"]);
        Assert.Equal((0.2, new AugmentConfig().Rotate), (augmented.Data.Augment!.P, augmented.Data.Augment.Rotate));
        Assert.Null(ConfigLoader.Load(null).Data.Augment);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, ["diffusion.edm.p_maen=-0.4"]));
        Assert.Contains("unknown key 'diffusion.edm.p_maen'", e.Message, StringComparison.Ordinal);
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, ["training.lr.x=1"]));
    }

    [Theory]
    [InlineData("training.lrr=1")]
    [InlineData("trainin.lr=1")]
    [InlineData("novalue")]
    public void Set_UnknownKeyOrMissingValue_IsAConfigError(string assignment) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(null, [assignment]));

    [Fact]
    public void Load_ExtendsCycle_IsReportedNotOverflowed()
    {
        Write("a.json", """{ "extends": "b.json" }""");
        string b = Write("b.json", """{ "extends": "a.json" }""");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load(b));
        Assert.Contains("cycle", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFileAndBadJson_AreConfigErrors()
    {
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(Path.Combine(_dir, "missing.json")));
        Assert.Throws<ConfigException>(() => ConfigLoader.Load(Write("bad.json", "{ \"name\": ")));
    }
}
