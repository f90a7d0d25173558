using SharpDiffusion.Models;
using System.Text.Json.Nodes;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Interop;
using SharpDiffusion.Interop.Export;
using SharpDiffusion.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

public sealed class ModelExportTests(ITestOutputHelper output) : IDisposable
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

    /// <summary>The config.json keys of a DDPM export as they were before formulations existed (commit 67c71f3's ExportManifest).</summary>
    private static readonly string[] DdpmManifestKeys =
        ["format", "format_version", "weights_file", "weights", "step", "channels", "image_size", "class_names", "input_range", "model", "diffusion", "betas", "denoising_diffusion_pytorch_unet"];

    [Fact]
    public void Export_DdpmRun_ManifestHasTheKeysItHadBeforeFormulations()
    {
        var run = TinyRuns.Create(Path.Combine(_root, "run"), UNetLayout.Ddpm);
        var json = JsonNode.Parse(File.ReadAllText(ModelExport.Write(run, ExportFormat.Safetensors).ManifestPath))!.AsObject();
        Assert.Equal(DdpmManifestKeys, json.Select(e => e.Key));
        Assert.Equal(1, (int)json["format_version"]!);
        Assert.Equal(100, json["betas"]!.AsArray().Count);
        Assert.Equal(1e-3, (double)json["betas"]![0]!); // the tiny run's linear schedule, β_1 = 1e-3
        Assert.Equal(100, (int)json["diffusion"]!["timesteps"]!);
        // diffusion: the keys before formulations (commit 8b02e6c) plus formulation, which says how to read the rest.
        Assert.Equal(["formulation", "timesteps", "schedule", "beta_start", "beta_end", "betas", "objective", "min_snr_gamma"],
            json["diffusion"]!.AsObject().Select(e => e.Key));
        Assert.Equal("ddpm", (string)json["diffusion"]!["formulation"]!);
        Assert.False(json.ContainsKey("preconditioning"));
    }

    [Fact]
    public void Export_EdmRun_ManifestStatesTheFormulationSigmaDataAndPreconditioning()
    {
        // σ_data left out of the config: the manifest states the one the library uses, 0.5 for pixels in [−1, 1].
        var run = TinyRuns.Create(Path.Combine(_root, "run"), TinyRuns.EdmConfig(UNetLayout.Reference, sigmaData: null));
        var result = ModelExport.Write(run, ExportFormat.Safetensors);
        var json = JsonNode.Parse(File.ReadAllText(result.ManifestPath))!.AsObject();

        Assert.Equal(2, (int)json["format_version"]!); // a version-1 reader must refuse it rather than read a DDPM ε-network
        Assert.False(json.ContainsKey("betas"));       // EDM has no β table
        Assert.Equal(DdpmManifestKeys.Select(k => k == "betas" ? "preconditioning" : k), json.Select(e => e.Key)); // in betas' place
        var diffusion = json["diffusion"]!.AsObject();
        Assert.Equal("edm", (string)diffusion["formulation"]!);
        Assert.Equal(["formulation", "edm"], diffusion.Select(e => e.Key)); // no ddpm-only keys (DiffusionConfig.DdpmOnlyKeys)
        var edm = diffusion["edm"]!;
        Assert.Equal((0.5, -1.2, 1.2, 0.002, 80.0, 7.0),
            ((double)edm["sigma_data"]!, (double)edm["p_mean"]!, (double)edm["p_std"]!, (double)edm["sigma_min"]!, (double)edm["sigma_max"]!, (double)edm["rho"]!));

        // Karras et al. 2022, Table 1, spelled out for a reader without this library.
        var pre = json["preconditioning"]!;
        Assert.Equal("edm", (string)pre["kind"]!);
        Assert.Equal(0.5, (double)pre["sigma_data"]!);
        Assert.Equal("sigma_data^2 / (sigma^2 + sigma_data^2)", (string)pre["c_skip"]!);
        Assert.Equal("sigma * sigma_data / sqrt(sigma^2 + sigma_data^2)", (string)pre["c_out"]!);
        Assert.Equal("1 / sqrt(sigma^2 + sigma_data^2)", (string)pre["c_in"]!);
        Assert.Equal("ln(sigma) / 4", (string)pre["c_noise"]!);
        Assert.Equal("c_noise", (string)pre["network_time_input"]!);
        Assert.Equal("D(x; sigma) = c_skip * x + c_out * F(c_in * x, c_noise)", (string)pre["denoiser"]!);
        Assert.Equal("x = x0 + sigma * n, n ~ N(0, I), x0 in input_range", (string)pre["x"]!);

        // The reader takes version 2 back: the same network, the preconditioning as stated, no β's.
        var (exported, manifest) = ExportedModel.Load(result.Folder);
        using var _ = exported;
        using var ema = LoadedModel.Load(new RunDirectory(run).LatestCheckpoint()!, CPU, useEma: true).Model;
        Assert.Equal(0, InteropFixtures.MaxAbsDifference(Eps(exported), Eps(ema)));
        Assert.Equal((DiffusionFormulation.Edm, 0.5, 0), (manifest.Diffusion.Formulation, manifest.Preconditioning!.SigmaData, manifest.Betas.Count));
    }

    [Fact]
    public void Load_EdmManifestMarkedVersion1_FailsWithOneSentence()
    {
        var run = TinyRuns.Create(Path.Combine(_root, "run"), TinyRuns.EdmConfig(UNetLayout.Ddpm, sigmaData: 0.5));
        var result = ModelExport.Write(run, ExportFormat.Pytorch);
        var json = JsonNode.Parse(File.ReadAllText(result.ManifestPath))!.AsObject();
        json["format_version"] = 1;
        File.WriteAllText(result.ManifestPath, json.ToJsonString());
        var error = Assert.Throws<InteropException>(() => ExportedModel.Load(result.Folder));
        Assert.Contains("do not belong together", error.Message, StringComparison.Ordinal);
        Assert.Single(error.Message.Split(". ", StringSplitOptions.None));
    }

    /// <summary>bench/pytorch_reference.py edm_probe_sigmas: σ_b = σ_min·(σ_max/σ_min)^(b/(B−1)), log-uniform over the sampler's range.</summary>
    private static double[] EdmProbeSigmas(int batch, double sigmaMin, double sigmaMax) =>
        Enumerable.Range(0, batch).Select(b => sigmaMin * Math.Pow(sigmaMax / sigmaMin, b / (double)Math.Max(batch - 1, 1))).ToArray();

    /// <summary>
    /// This library's D(x_σ; σ_b) on the probe pattern read as x_σ, one sample per σ_b, through EdmFormulation as the samplers
    /// call it: x in variance-preserving units (x_t = √ᾱ·x_σ, ᾱ = 1/(1 + σ²)), NetworkInputs → network → Interpret.
    /// </summary>
    private static Tensor OurDenoised(UNet model, EdmFormulation formulation, double[] sigmas)
    {
        using var noGrad = no_grad();
        var (probe, _) = InteropFixtures.ProbeInput(sigmas.Length, 1, 8, 2);
        var rows = new List<Tensor>();
        for (int b = 0; b < sigmas.Length; b++)
        {
            var level = NoiseLevel.FromSigma(sigmas[b]);
            var x = probe.narrow(0, b, 1).to_type(ScalarType.Float64).mul(Math.Sqrt(level.AlphaBar)).to_type(ScalarType.Float32);
            var (input, time) = formulation.NetworkInputs(x, level);
            rows.Add(formulation.Interpret(model.forward(input, time, Conditioning.None), x, level).Denoised(false));
        }
        return cat(rows, 0);
    }

    [PyTorchFact]
    public void Export_EdmRun_LoadedByThePyTorchTwin_GivesTheSameDenoiser()
    {
        // σ_data 0.7, not the pixel default 0.5, so that the twin can only agree by reading the manifest's value.
        var cases = new[] { (UNetLayout.Ddpm, ExportFormat.Pytorch), (UNetLayout.Reference, ExportFormat.Safetensors) };
        foreach (var (layout, format) in cases)
        {
            var config = TinyRuns.EdmConfig(layout, sigmaData: 0.7);
            var run = TinyRuns.Create(Path.Combine(_root, layout.ToString()), config);
            using var loaded = LoadedModel.Load(new RunDirectory(run).LatestCheckpoint()!, CPU, useEma: true);
            var formulation = Assert.IsType<EdmFormulation>(Formulations.For(loaded.Metadata.Config.Diffusion));
            Assert.Equal(0.7, formulation.SigmaData);
            var sigmas = EdmProbeSigmas(3, formulation.SigmaMin, formulation.SigmaMax);
            Assert.Equal([0.002, 0.4, 80], sigmas.Select(s => Math.Round(s, 12)));
            var ours = OurDenoised(loaded.Model, formulation, sigmas);

            var folder = ModelExport.Write(run, format, Path.Combine(run, format.ToString())).Folder;
            var twinPath = Path.Combine(folder, "twin-denoised.npy");
            var (code, stdout, stderr) = PyTorchTwin.Run(PyTorchTwin.Script, "--check-export", folder, "--out", twinPath);
            Assert.True(code == 0, $"{layout}/{format}: {stdout}{stderr}");
            var twin = SharpDiffusion.Evaluation.NpyFile.Read(twinPath);
            Assert.Equal(ours.shape, twin.shape);
            double difference = InteropFixtures.MaxAbsDifference(ours, twin);
            output.WriteLine($"{layout}/{format}: max |D_ours − D_twin| = {difference:G3} over σ = 0.002, 0.4, 80 (max |D| = {ours.abs().max().item<float>():G3})");
            Assert.True(difference <= 1e-5, $"{layout}/{format}: max |D_ours − D_twin| = {difference:G3}");
            // Not a degenerate agreement: at σ = 80 D is mostly c_out·F (c_skip = 0.49/6400.49 ≈ 7.7e-5), so F was compared too.
            Assert.True(ours[2].abs().max().item<float>() > 1e-2);
        }
    }
}
