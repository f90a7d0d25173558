using SharpDiffusion.Models;
using SharpDiffusion.Config;
using SharpDiffusion.Runtime;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Training;

/// <summary>config.json and checkpoints say which software wrote them; files from before that still load (issue 14 §4).</summary>
public sealed class SoftwareRecordTests : IDisposable
{
    private static readonly string OldRun = Path.Combine(AppContext.BaseDirectory, "Training", "Fixtures", "run-main-27f7a1d");
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-software-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void CheckpointFromBeforeTheRecord_LoadsWithoutSoftware_AndItsModelRuns()
    {
        NativeRuntime.Initialize(DeviceKind.Cpu);
        var loaded = LoadedModel.Load(Path.Combine(OldRun, "checkpoints", "step-000002.ckpt"), CPU);
        using var model = loaded.Model;
        Assert.Null(loaded.Metadata.Software);
        Assert.Equal(2, loaded.Metadata.Step);
        using var _ = no_grad();
        using var output = model.forward(zeros(1, 3, 8, 8), tensor(new long[] { 10 }), Conditioning.None);
        Assert.Equal([1L, 3, 8, 8], output.shape);
        Assert.True(output.isfinite().all().item<bool>());
    }

    [Fact]
    public void ConfigJsonFromBeforeTheRecord_StillLoads() =>
        Assert.Equal(8, ConfigLoader.Load(Path.Combine(OldRun, "config.json")).Model.Dim);

    [Fact]
    public void WriteConfig_RecordsTheSoftware_AndLoadingItBackGivesTheSameConfig()
    {
        var run = new RunDirectory(_dir);
        var config = ConfigLoader.Load(Path.Combine(OldRun, "config.json"));
        run.WriteConfig(config);

        var written = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(run.ConfigPath))!;
        Assert.Equal(SoftwareVersions.Current.Tool, (string?)written[ConfigJson.SoftwareKey]!["tool"]);
        Assert.Equal(SoftwareVersions.Current.Libtorch, (string?)written[ConfigJson.SoftwareKey]!["libtorch"]);
        Assert.Equal(ConfigJson.Serialize(config), ConfigJson.Serialize(ConfigLoader.Load(run.ConfigPath)));
    }

    /// <summary>Issue 20 §4: config.json says which ISA oneDNN ran and whether the channel padding was on, and why.</summary>
    [Fact]
    public void WriteConfig_RecordsTheOneDnnSetup()
    {
        var run = new RunDirectory(_dir);
        run.WriteConfig(ConfigLoader.Load(Path.Combine(OldRun, "config.json")));
        var oneDnn = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(run.ConfigPath))![ConfigJson.SoftwareKey]!["onednn"]!;
        var setup = OneDnnSetup.Current;
        Assert.Equal(setup.Isa, (string?)oneDnn["isa"]);
        Assert.Equal(setup.Version, (string?)oneDnn["version"]);
        Assert.Equal(setup.ChannelPadding, (int)oneDnn["channel_padding"]!);
        Assert.Equal(setup.Reason, (string?)oneDnn["reason"]);
    }
}
