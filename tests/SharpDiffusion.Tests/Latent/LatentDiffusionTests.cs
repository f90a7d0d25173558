using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Latent;
using SharpDiffusion.Sampling;
using SharpDiffusion.Tests.Training;
using SharpDiffusion.Training;
using SharpDiffusion.Tests.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Latent;

/// <summary>Latent diffusion (issue 13 §2–3): the encoded training set, its scale, training, sampling and what a latent run refuses.</summary>
[Collection(TrainingTestGroup.Name)]
public sealed class LatentDiffusionTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sd-latent-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Path_(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Prepare_ScaleFactor_MakesTheEncodedTrainingLatentsUnitVariance()
    {
        var ae = LatentRuns.Train(LatentRuns.Autoencoder(steps: 20), Path_("ae"));
        var config = LatentRuns.Latent(ae.Root, steps: 1);
        using var data = DatasetLoader.Load(config.Data, cacheDir: null, out _, config.Seed);
        var resolved = LatentSetup.Resolve(config, data.Channels, data.ImageSize);
        using var set = LatentTrainingSet.Prepare(resolved, data, CPU, cacheDir: null);

        // CompVis's scale_by_std: s = 1 / std(z) over every element of the training latents, so std(s·z) = 1. The std is
        // recomputed here from the raw floats (unbiased, as torch.std), independently of the code under test.
        float[] scaled = set.Examples.Examples.data<float>().ToArray();
        double mean = scaled.Average(v => (double)v);
        double std = Math.Sqrt(scaled.Sum(v => (v - mean) * (v - mean)) / (scaled.Length - 1));
        output.WriteLine($"scale factor {set.Config.Model.Latent!.ScaleFactor:G6}, std of the scaled latents {std:G8}, {scaled.Length} values");
        Assert.Equal(1.0, std, 1e-5);
        Assert.Equal(set.Space.ScaleFactor, set.Config.Model.Latent!.ScaleFactor);
        Assert.Equal([4L, 4, 4, 4], set.Examples.Examples.shape);
    }

    [Fact]
    public void Prepare_MirrorCopy_IsTheEncodingOfTheMirroredImageNotAFlippedLatent()
    {
        var ae = LatentRuns.Train(LatentRuns.Autoencoder(steps: 20), Path_("ae"));
        var config = LatentSetup.Resolve(LatentRuns.Latent(ae.Root, steps: 1), 3, 16);
        using var data = DatasetLoader.Load(config.Data, cacheDir: null, out _, config.Seed);
        using var set = LatentTrainingSet.Prepare(config, data, CPU, cacheDir: null);
        using var images = data.Images.to(ScalarType.Float32).div(127.5).sub(1.0);
        using var mirrored = images.flip(3);
        using var expected = set.Space.ToLatents(mirrored);
        using var flippedLatent = set.Examples.Examples.flip(3);

        Assert.True(set.Examples.Mirrored!.allclose(expected, rtol: 0, atol: 1e-5));
        using var difference = (set.Examples.Mirrored - flippedLatent).abs().max();
        Assert.True(difference.item<float>() > 1e-3, "a convolutional encoder is not mirror-symmetric; the copy must be the mirrored image's own encoding");
    }

    [Fact]
    public void Prepare_SecondTime_ReadsTheCacheAndAnUnreadableCacheIsEncodedAgain()
    {
        var ae = LatentRuns.Train(LatentRuns.Autoencoder(steps: 2), Path_("ae"));
        var config = LatentSetup.Resolve(LatentRuns.Latent(ae.Root, steps: 1), 3, 16);
        using var data = DatasetLoader.Load(config.Data, cacheDir: null, out _, config.Seed);
        string cache = Path_("cache");
        var messages = new List<string>();
        using var first = LatentTrainingSet.Prepare(config, data, CPU, cache, messages.Add);
        using var second = LatentTrainingSet.Prepare(config, data, CPU, cache, messages.Add);
        Assert.Contains("from cache", messages[^1], StringComparison.Ordinal);
        Assert.True(first.Examples.Examples.allclose(second.Examples.Examples, rtol: 0, atol: 0));
        Assert.True(first.Examples.Mirrored!.allclose(second.Examples.Mirrored!, rtol: 0, atol: 0));

        string file = Directory.GetFiles(cache, "latents-*.npy").Single();
        File.WriteAllBytes(file, File.ReadAllBytes(file)[..100]); // a truncated cache file (a full disk, a killed copy)
        using var third = LatentTrainingSet.Prepare(config, data, CPU, cache, messages.Add);
        Assert.Contains("unreadable", messages[^2], StringComparison.Ordinal);
        Assert.True(first.Examples.Examples.allclose(third.Examples.Examples, rtol: 0, atol: 0));
    }

    [Fact]
    public void Train_OneImageDataset_SamplesDecodeToThatImage()
    {
        // Known answer: with one training example z* = s·μ(x), the x₀-prediction that minimises the loss is z* at every t,
        // so every sample converges to z* and decodes to the autoencoder's reconstruction D(μ(x)) of that one image.
        var ae = LatentRuns.Train(LatentRuns.Autoencoder(steps: 150, count: 1) with { Data = new DataConfig { ImageSize = 16, SyntheticCount = 1, Hflip = false } }, Path_("ae"));
        var config = LatentRuns.Latent(ae.Root, steps: 300, count: 1) with { Data = new DataConfig { ImageSize = 16, SyntheticCount = 1, Hflip = false } };
        var run = LatentRuns.Train(config with { Training = config.Training with { CheckpointEvery = 300 } }, Path_("latent"));

        using var data = DatasetLoader.Load(config.Data, cacheDir: null, out _, config.Seed);
        using var loaded = LoadedModel.Load(run.LatestCheckpoint()!, CPU, useEma: false);
        var diffusion = new DdpmFormulation(new GaussianDiffusion(loaded.Metadata.Config.Diffusion));
        var request = new GenerationRequest(4, new SamplerChoice("ddim"), TestLevels.Of(TimestepSpacing.Leading, 20, diffusion.Table.Schedule), Seed: 1);
        using var samples = ImageGenerator.Generate(loaded.Model, diffusion, request, CPU, space: loaded.Space);
        using var image = data.Images.to(ScalarType.Float32).div(127.5).sub(1.0);
        using var reconstruction = Reconstruct(LoadedAutoencoder.Load(ae.LatestCheckpoint()!, CPU), image);

        double toReconstruction = Psnr(samples, reconstruction.expand(4, -1, -1, -1));
        double toImage = Psnr(samples, image.expand(4, -1, -1, -1));
        double floor = Psnr(reconstruction, image);
        output.WriteLine($"PSNR sample vs D(mu(x)) {toReconstruction:F2} dB, sample vs x {toImage:F2} dB, D(mu(x)) vs x {floor:F2} dB");
        Assert.Equal([4L, 3, 16, 16], samples.shape);
        Assert.True(toReconstruction >= 25, $"samples are {toReconstruction:F2} dB from the reconstruction");
        Assert.True(toImage >= floor - 1.5, $"samples are {toImage:F2} dB from the image, the autoencoder's floor is {floor:F2} dB");
    }

    [Fact]
    public void Resume_TwoStepsThenTwo_EqualsFourStepsBitwise()
    {
        var ae = LatentRuns.Train(LatentRuns.Autoencoder(steps: 2), Path_("ae"));
        var straight = LatentRuns.Train(LatentRuns.Latent(ae.Root, steps: 4), Path_("straight"));
        var split = LatentRuns.Train(LatentRuns.Latent(ae.Root, steps: 2), Path_("split"));
        using (var data = DatasetLoader.Load(LatentRuns.Latent(ae.Root, 4).Data, cacheDir: null, out _, 5))
            new Trainer(LatentRuns.Latent(ae.Root, steps: 4), data, split, CPU).Run(resume: true);

        Assert.Equal(CheckpointStateBytes.Of(straight.CheckpointPath(4)), CheckpointStateBytes.Of(split.CheckpointPath(4)));
        var recorded = CheckpointFile.ReadMetadata(split.CheckpointPath(4)).Config.Model.Latent!;
        Assert.Equal(CheckpointFile.ContentHash(ae.LatestCheckpoint()!), recorded.AutoencoderSha256);
        Assert.Equal((4, 4), (recorded.Factor, recorded.LatentChannels));
        Assert.NotNull(recorded.ScaleFactor);
    }

    [Fact]
    public void LatentRun_RefusesAnAutoencoderWhoseHashOrShapeDiffers_AndWritesNothing()
    {
        var ae = LatentRuns.Train(LatentRuns.Autoencoder(steps: 1), Path_("ae"));
        var other = LatentRuns.Train(LatentRuns.Autoencoder(steps: 1, seed: 4), Path_("other"));
        var narrow = LatentRuns.Train(LatentRuns.Autoencoder(steps: 1, latentChannels: 2), Path_("narrow"));
        var run = LatentRuns.Train(LatentRuns.Latent(ae.Root, steps: 2), Path_("latent"));
        string aeCheckpoint = ae.LatestCheckpoint()!, latentCheckpoint = run.LatestCheckpoint()!;
        var before = Snapshot(run.Root);

        File.Copy(other.LatestCheckpoint()!, aeCheckpoint, overwrite: true);
        var changed = Assert.Throws<CheckpointException>(() => LoadedModel.Load(latentCheckpoint, CPU));
        Assert.Contains("has changed", changed.Message, StringComparison.Ordinal);
        var resumed = CheckpointFile.ReadMetadata(latentCheckpoint).Config with { Training = LatentRuns.Latent(ae.Root, 4).Training };
        using (var data = DatasetLoader.Load(resumed.Data, cacheDir: null, out _, 5))
            Assert.Throws<CheckpointException>(() => new Trainer(resumed, data, run, CPU).Run(resume: true));

        File.Copy(narrow.LatestCheckpoint()!, aeCheckpoint, overwrite: true);
        var reshaped = Assert.Throws<CheckpointException>(() => LoadedModel.Load(latentCheckpoint, CPU));
        Assert.Contains("makes latents of 2 channels", reshaped.Message, StringComparison.Ordinal);

        File.Delete(aeCheckpoint);
        var missing = Assert.Throws<CheckpointException>(() => LoadedModel.Load(latentCheckpoint, CPU));
        Assert.Contains("which is missing", missing.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot(run.Root));
    }

    [Fact]
    public void LatentConfig_BadAutoencoder_IsOneSentenceNamingTheKey()
    {
        var ae = LatentRuns.Train(LatentRuns.Autoencoder(steps: 1), Path_("ae"));
        var latentRun = LatentRuns.Train(LatentRuns.Latent(ae.Root, steps: 1), Path_("latent"));
        var missing = Assert.Throws<ConfigException>(() => LatentSetup.Resolve(LatentRuns.Latent(Path_("nowhere"), 1), 3, 16));
        Assert.Contains("model.latent.autoencoder", missing.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        var notAnAutoencoder = Assert.Throws<ConfigException>(() => LatentSetup.Resolve(LatentRuns.Latent(latentRun.Root, 1), 3, 16));
        Assert.Contains("is a latent diffusion model, not an autoencoder", notAnAutoencoder.Message, StringComparison.Ordinal);
        var indivisible = Assert.Throws<ConfigException>(() => LatentSetup.Resolve(LatentRuns.Latent(ae.Root, 1), 3, 18));
        Assert.Contains("does not divide data.image_size (18)", indivisible.Message, StringComparison.Ordinal);
        var channels = Assert.Throws<ConfigException>(() => LatentSetup.Resolve(LatentRuns.Latent(ae.Root, 1), 1, 16));
        Assert.Contains("3-channel", channels.Message, StringComparison.Ordinal);
        foreach (var e in new Exception[] { missing, notAnAutoencoder, indivisible, channels })
            Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Generate_LatentModelWithClippingForcedOn_IsRefused()
    {
        var ae = LatentRuns.Train(LatentRuns.Autoencoder(steps: 1), Path_("ae"));
        var run = LatentRuns.Train(LatentRuns.Latent(ae.Root, steps: 1), Path_("latent"));
        using var loaded = LoadedModel.Load(run.LatestCheckpoint()!, CPU);
        Assert.False(loaded.Model.ClipDenoised);
        var diffusion = new DdpmFormulation(new GaussianDiffusion(loaded.Metadata.Config.Diffusion));
        var request = new GenerationRequest(2, new SamplerChoice("ddim"), TestLevels.Of(TimestepSpacing.Leading, 2, diffusion.Table.Schedule), Seed: 0, ClipDenoised: true);
        var error = Assert.Throws<ArgumentException>(() => ImageGenerator.Generate(loaded.Model, diffusion, request, CPU, space: loaded.Space));
        Assert.Contains("no [−1, 1] range", error.Message, StringComparison.Ordinal);
        using var images = ImageGenerator.Generate(loaded.Model, diffusion, request with { ClipDenoised = null }, CPU, space: loaded.Space);
        Assert.Equal([2L, 3, 16, 16], images.shape); // decoded to pixels at the end
    }

    [Fact]
    public void Generate_EverySamplerWithGuidance_DecodesFiniteImagesThatGuidanceChanges()
    {
        var ae = LatentRuns.Train(LatentRuns.Autoencoder(steps: 1), Path_("ae"));
        var config = LatentRuns.Latent(ae.Root, steps: 2) with { Model = LatentRuns.Latent(ae.Root, 2).Model with { ClassConditional = true } };
        var run = LatentRuns.Train(config, Path_("latent"));
        using var loaded = LoadedModel.Load(run.LatestCheckpoint()!, CPU, useEma: false);
        var diffusion = new DdpmFormulation(new GaussianDiffusion(loaded.Metadata.Config.Diffusion));
        foreach (string name in Samplers.Names)
        {
            var request = new GenerationRequest(2, new SamplerChoice(name), TestLevels.Of(TimestepSpacing.Trailing, 4, diffusion.Table.Schedule), Seed: 0,
                Conditions: new ClassLabelSource([0, 1]));
            using var plain = ImageGenerator.Generate(loaded.Model, diffusion, request, CPU, space: loaded.Space);
            using var guided = ImageGenerator.Generate(loaded.Model, diffusion, request with { Guidance = 3 }, CPU, space: loaded.Space);
            Assert.Equal([2L, 3, 16, 16], guided.shape);
            Assert.True(guided.isfinite().all().item<bool>() && guided.abs().max().item<float>() <= 1, $"{name}: images in [−1, 1]");
            Assert.False(plain.allclose(guided, rtol: 0, atol: 1e-6), $"{name}: guidance w = 3 changes the samples");
        }
    }

    [Fact]
    public void CascadeCheck_LatentBase_ChainsWithAnUpscalerOfItsImageSize()
    {
        var latent = LatentRuns.Latent("ae", 1);
        var upscaler = new RunConfig
        {
            Data = new DataConfig { ImageSize = 32 },
            Model = new ModelConfig { DimMults = [1, 2], AttentionResolutions = [], SuperResolution = new SuperResolutionConfig { InputSize = 16 } },
        };
        CascadeCheck.ThrowIfIncompatible(latent, "latent", upscaler, "sr"); // 16×16 images in, 32×32 out: chains
        var autoencoder = LatentRuns.Autoencoder(1);
        var error = Assert.Throws<CheckpointException>(() => CascadeCheck.ThrowIfIncompatible(autoencoder, "ae", upscaler, "sr"));
        Assert.Contains("must be a pixel or latent model", error.Message, StringComparison.Ordinal);
    }

    private static Tensor Reconstruct(LoadedAutoencoder autoencoder, Tensor images)
    {
        using (autoencoder)
        using (no_grad())
            return autoencoder.Model.call(images).clamp(-1, 1);
    }

    /// <summary>Mean per-image PSNR of images in [−1, 1].</summary>
    private static double Psnr(Tensor a, Tensor b)
    {
        using var unitA = (a + 1) / 2;
        using var unitB = (b + 1) / 2;
        return ReconstructionQuality.Psnr(unitA, unitB);
    }

    private static Dictionary<string, string> Snapshot(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}tb{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToDictionary(f => f, f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

}
