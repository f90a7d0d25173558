using SharpDiffusion.Models;
using System.Text.Json.Nodes;
using SharpDiffusion.Config;
using SharpDiffusion.Interop;
using SharpDiffusion.Interop.Export;
using SharpDiffusion.Training;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

public sealed class ModelExportTests : IDisposable
{
    private readonly string _root = InteropFixtures.TempFolder();

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static Tensor Eps(UNet model)
    {
        var (x, t) = InteropFixtures.ProbeInput(3, 1, 8, 100);
        using var noGrad = no_grad();
        return model.forward(x, t, Conditioning.None);
    }

    [Theory]
    [InlineData(UNetLayout.Ddpm, ExportFormat.Safetensors)]
    [InlineData(UNetLayout.Ddpm, ExportFormat.Pytorch)]
    [InlineData(UNetLayout.Reference, ExportFormat.Safetensors)]
    [InlineData(UNetLayout.Reference, ExportFormat.Pytorch)]
    public void Export_ThenLoad_GivesTheEmaNetworkExactly(UNetLayout layout, ExportFormat format)
    {
        var run = TinyRuns.Create(Path.Combine(_root, "run"), layout);
        var result = ModelExport.Write(run, format);
        Assert.Equal(Path.Combine(run, "export", ModelExport.WeightsFileName(format)), result.WeightsPath);

        var (exported, manifest) = ExportedModel.Load(result.Folder);
        using var _ = exported;
        using var ema = LoadedModel.Load(new RunDirectory(run).LatestCheckpoint()!, CPU, useEma: true).Model;
        using var raw = LoadedModel.Load(new RunDirectory(run).LatestCheckpoint()!, CPU, useEma: false).Model;
        Assert.Equal(0, InteropFixtures.MaxAbsDifference(Eps(exported), Eps(ema)));
        Assert.True(InteropFixtures.MaxAbsDifference(Eps(exported), Eps(raw)) > 1e-3); // the EMA weights, not the trained ones
        Assert.Equal((7, 1, 8, layout), (manifest.Step, manifest.Channels, manifest.ImageSize, manifest.Model.Layout));
        Assert.Equal(NoiseScheduleBetas(manifest.Diffusion), manifest.Betas);
    }

    [Fact]
    public void Export_RunWithAugmentation_LeavesMapAugmentOut_AndMakesTheSameImagesAtZeroLabels()
    {
        var run = TinyRuns.Create(Path.Combine(_root, "run"), UNetLayout.Ddpm, augment: new AugmentConfig());
        var result = ModelExport.Write(run, ExportFormat.Safetensors);

        var (exported, _) = ExportedModel.Load(result.Folder);
        using var _ = exported;
        using var ema = LoadedModel.Load(new RunDirectory(run).LatestCheckpoint()!, CPU, useEma: true).Model;
        Assert.Contains("map_augment.weight", ema.state_dict().Keys);
        Assert.True(ema.state_dict()["map_augment.weight"].abs().max().item<float>() > 0); // TinyRuns moved the EMA off zero
        Assert.DoesNotContain("map_augment.weight", exported.state_dict().Keys);
        Assert.Equal(0, InteropFixtures.MaxAbsDifference(Eps(exported), Eps(ema)));
    }

    private static IReadOnlyList<double> NoiseScheduleBetas(DiffusionConfig diffusion) => SharpDiffusion.Diffusion.NoiseSchedule.Create(diffusion).Betas;

    [Fact]
    public void Export_ReferenceLayout_ManifestGivesTheDenoisingDiffusionPytorchUnetArguments()
    {
        var run = TinyRuns.Create(Path.Combine(_root, "run"), UNetLayout.Reference);
        var result = ModelExport.Write(run, ExportFormat.Safetensors, Path.Combine(_root, "out"));
        var json = JsonNode.Parse(File.ReadAllText(result.ManifestPath))!;
        var unet = json["denoising_diffusion_pytorch_unet"]!;
        Assert.Equal(16, (int)unet["dim"]!);
        Assert.Equal([1, 2], unet["dim_mults"]!.AsArray().Select(n => (int)n!));
        Assert.Equal([false, true], unet["full_attn"]!.AsArray().Select(n => (bool)n!)); // level 1 of 8 px is 4 px
        Assert.Equal((2, 4, 1), ((int)unet["attn_heads"]!, (int)unet["attn_dim_head"]!, (int)unet["channels"]!));
        Assert.Equal("reference", (string)json["model"]!["layout"]!);
        Assert.Equal("model.safetensors", (string)json["weights_file"]!);
    }

    [Fact]
    public void Export_RunWithoutCheckpoint_FailsWithOneSentenceAndWritesNothing()
    {
        var run = Path.Combine(_root, "empty");
        Directory.CreateDirectory(run);
        var error = Assert.Throws<InteropException>(() => ModelExport.Write(run, ExportFormat.Pytorch));
        Assert.Contains("has no checkpoint to export", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(run));
    }

    [Fact]
    public void Load_DdpmExportMadeInPyTorch_GivesTheTwinsOutputs()
    {
        // Fixtures/ddpm-export: bench/pytorch_reference.py's UNet (ddpm layout) written in the export layout by
        // tools/interop_fixture.py; ddpm_export_eps_probe.npy is its ε on the probe input, computed by PyTorch 1.13.
        var (model, manifest) = ExportedModel.Load(InteropFixtures.DdpmExport);
        using var _ = model;
        Assert.Equal(UNetLayout.Ddpm, manifest.Model.Layout);
        double difference = InteropFixtures.MaxAbsDifference(Eps(model), InteropFixtures.Npy("ddpm_export_eps_probe.npy"));
        Assert.True(difference < 1e-5, $"max |ours − PyTorch| = {difference:G3}");
    }

    [PyTorchFact]
    public void Export_LoadedByThePyTorchTwin_PredictsTheSameEps()
    {
        foreach (var layout in new[] { UNetLayout.Ddpm, UNetLayout.Reference })
        {
            var run = TinyRuns.Create(Path.Combine(_root, layout.ToString()), layout);
            using var ours = LoadedModel.Load(new RunDirectory(run).LatestCheckpoint()!, CPU).Model;
            var expected = Eps(ours);
            foreach (var format in new[] { ExportFormat.Safetensors, ExportFormat.Pytorch })
            {
                var folder = ModelExport.Write(run, format, Path.Combine(run, format.ToString())).Folder;
                var output = Path.Combine(folder, "twin-eps.npy");
                var (code, stdout, stderr) = PyTorchTwin.Run(PyTorchTwin.Script, "--check-export", folder, "--out", output);
                Assert.True(code == 0, $"{layout}/{format}: {stdout}{stderr}");
                Assert.True(InteropFixtures.MaxAbsDifference(expected, SharpDiffusion.Evaluation.NpyFile.Read(output)) < 1e-5, $"{layout}/{format}");
            }
        }
    }
}
