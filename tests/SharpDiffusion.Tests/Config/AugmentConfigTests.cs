using SharpDiffusion.Config;

namespace SharpDiffusion.Tests.Config;

/// <summary>data.augment: EDM's defaults when on, its switches, and one sentence per mistake.</summary>
public sealed class AugmentConfigTests
{
    private static RunConfig Load(string json, params string[] sets) => ConfigLoader.LoadJson(json, "test.json", sets);

    private static void AssertRefused(string json, string key, params string[] sets)
    {
        var error = Assert.Throws<ConfigException>(() => Load(json, sets));
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Absent_IsOff_EmptyObject_IsEdmsSetting()
    {
        Assert.Null(Load("{}").Data.Augment);
        var on = Load("""{ "data": { "augment": {} } }""").Data.Augment!;
        Assert.Equal(0.12, on.P);
        Assert.True(on.Xflip && on.Yflip && on.Scale && on.Rotate && on.Aniso && on.Translate);
    }

    [Fact]
    public void Set_TurnsItOnWithSwitches_AndItRoundTrips()
    {
        var config = Load("{}", """data.augment={"p": 0.3, "yflip": false}""");
        Assert.Equal(new AugmentConfig { P = 0.3, Yflip = false }, config.Data.Augment);
        Assert.Equal(config.Data.Augment, ConfigLoader.LoadJson(ConfigJson.Serialize(config), "round trip").Data.Augment);
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(-0.1)]
    public void POutsideZeroOne_NamesTheKeyAndTheRange(double p) =>
        AssertRefused($$"""{ "data": { "augment": { "p": {{p.ToString(System.Globalization.CultureInfo.InvariantCulture)}} } } }""", "'data.augment.p' must be a probability in [0, 1]");

    [Fact]
    public void UnknownKey_NamesIt() => AssertRefused("""{ "data": { "augment": { "rotation": true } } }""", "data.augment.rotation");

    [Fact]
    public void LatentOrAutoencoderRun_IsRefused()
    {
        AssertRefused("""{ "data": { "augment": {} }, "model": { "latent": { "autoencoder": "runs/ae" } } }""", "'data.augment' is for pixel-space diffusion models");
        AssertRefused("""{ "data": { "augment": {} }, "model": { "autoencoder": {} }, "training": { "optimizer": "adam" } }""", "'data.augment' is for pixel-space diffusion models");
    }
}
