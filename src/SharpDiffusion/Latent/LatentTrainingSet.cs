using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Latent;

/// <summary>
/// A latent run's training data: every training image encoded once to its posterior mean μ(x), and (for data.hflip) its mirror
/// image too, as a second copy — flipping a latent is not encoding the flipped image. Cached by the data's content hash and the
/// autoencoder checkpoint's hash, so the runs of a sweep encode once. Latents are stored unscaled; the scale factor s
/// (<see cref="LatentConfig.ScaleFactor"/>, CompVis's scale_by_std: 1 / std of the unflipped training latents) is measured
/// from them when the config does not give it.
/// </summary>
public sealed class LatentTrainingSet : IDisposable
{
    private const int EncodeBatch = 64;

    private LatentTrainingSet(RunConfig config, LatentSpace space, TrainingExamples examples)
    {
        Config = config;
        Space = space;
        Examples = examples;
    }

    /// <summary>The run's config with <see cref="LatentConfig.ScaleFactor"/> filled in.</summary>
    public RunConfig Config { get; }

    public LatentSpace Space { get; }

    /// <summary>Scaled latents s · μ(x) [N, c, h, w], their mirror images' [N, c, h, w], and the labels.</summary>
    public TrainingExamples Examples { get; }

    /// <param name="config">Resolved by <see cref="LatentSetup.Resolve"/>.</param>
    /// <param name="cacheDir">Where encoded datasets are kept (null: encode every time).</param>
    /// <param name="message">Told when the data is encoded or read from the cache.</param>
    public static LatentTrainingSet Prepare(RunConfig config, ImageDataset data, Device device, string? cacheDir, Action<string>? message = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(data);
        var latent = config.Model.Latent ?? throw new ArgumentException("the config has no model.latent section.", nameof(config));
        var autoencoder = LoadedAutoencoder.Load(latent.Autoencoder, device);
        try
        {
            LatentSetup.ThrowIfDifferent(latent, autoencoder.Metadata, autoencoder.ContentHash, "model.latent.autoencoder");
            using var both = Encoded(autoencoder, data, device, cacheDir, message); // [2, N, c, h, w], unscaled
            using var plain = both[0];
            using var mirrored = both[1];
            double scale = latent.ScaleFactor ?? ScaleByStd(plain);
            var resolved = config with { Model = config.Model with { Latent = latent with { ScaleFactor = scale } } };
            var space = new LatentSpace(autoencoder, scale);
            var examples = new TrainingExamples(Sampling.Scaled.By(plain, scale), Sampling.Scaled.By(mirrored, scale), data.Labels.alias());
            return new LatentTrainingSet(resolved, space, examples);
        }
        catch
        {
            autoencoder.Dispose();
            throw;
        }
    }

    /// <summary>1 / std of every element of the unscaled latents (the unbiased std, as torch's and CompVis's).</summary>
    public static double ScaleByStd(Tensor latents)
    {
        ArgumentNullException.ThrowIfNull(latents);
        using var std = latents.to(float64).std();
        return 1.0 / std.item<double>();
    }

    /// <summary>μ(x) of every image and of its mirror image, [2, N, c, h, w] float32 on the CPU: from the cache, or encoded and cached.</summary>
    public static Tensor Encoded(LoadedAutoencoder autoencoder, ImageDataset data, Device device, string? cacheDir, Action<string>? message = null)
    {
        ArgumentNullException.ThrowIfNull(autoencoder);
        ArgumentNullException.ThrowIfNull(data);
        long[] expected = [2, data.Count, .. autoencoder.Model.LatentShapeAt(data.ImageSize)];
        string? path = cacheDir is null ? null : Path.Combine(cacheDir, $"latents-{CacheKey(data.ContentHash, autoencoder.ContentHash)}.npy");
        if (path is not null && File.Exists(path))
        {
            try
            {
                var cached = NpyFile.Read(path);
                if (cached.dtype == float32 && cached.shape.SequenceEqual(expected))
                {
                    message?.Invoke($"latents: {data.Count} images (and their mirror images) from cache {Path.GetFileName(path)}");
                    return cached;
                }
                cached.Dispose();
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
            {
                message?.Invoke($"latents: cache {Path.GetFileName(path)} is unreadable ({e.Message}); encoding again");
            }
        }

        message?.Invoke($"latents: encoding {data.Count} images and their mirror images with the autoencoder");
        var encoded = Encode(autoencoder, data.Images, device);
        if (path is not null) AtomicFile.Write(path, stream => NpyFile.Write(stream, encoded));
        return encoded;
    }

    private static Tensor Encode(LoadedAutoencoder autoencoder, Tensor images, Device device)
    {
        var plain = new List<Tensor>();
        var mirrored = new List<Tensor>();
        using var _ = no_grad();
        for (long first = 0; first < images.shape[0]; first += EncodeBatch)
        {
            using var scope = NewDisposeScope();
            long count = Math.Min(EncodeBatch, images.shape[0] - first);
            var x = ImageCodec.FromUint8(images.narrow(0, first, count).to(device));
            using (var posterior = autoencoder.Model.Encode(x)) plain.Add(posterior.Mean.cpu().MoveToOuterDisposeScope());
            using (var posterior = autoencoder.Model.Encode(x.flip(3))) mirrored.Add(posterior.Mean.cpu().MoveToOuterDisposeScope());
        }
        using var a = cat(plain, 0);
        using var b = cat(mirrored, 0);
        foreach (var t in plain.Concat(mirrored)) t.Dispose();
        return stack([a, b], 0);
    }

    /// <summary>Names the cached latents of one dataset under one autoencoder checkpoint (and this encoding: μ, with mirror copies).</summary>
    private static string CacheKey(string dataHash, string autoencoderHash)
    {
        using var hasher = new ContentHasher("latents");
        hasher.Add("posterior-mean+hflip-copy");
        hasher.Add(dataHash);
        hasher.Add(autoencoderHash);
        return hasher.Finish()[..32];
    }

    public void Dispose()
    {
        Examples.Dispose();
        Space.Dispose();
    }
}
