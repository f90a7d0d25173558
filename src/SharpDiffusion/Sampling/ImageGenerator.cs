using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// What to generate: how many, how, and from which seed. Sample i depends only on (Seed, i) and on its condition
/// (<paramref name="Conditions"/>; null: the unconditional form) and the guidance weight.
/// </summary>
public sealed record GenerationRequest(int Count, SamplerChoice Sampler, IReadOnlyList<int> Timesteps, long Seed, int BatchSize = 64, IConditioningSource? Conditions = null, double Guidance = 0);

/// <summary>Runs a sampler over a trained network in batches and returns its samples on the CPU (images in [−1, 1] for a clipping family).</summary>
public static class ImageGenerator
{
    /// <param name="progress">Called with (images done, images total) after each batch.</param>
    public static Tensor Generate(IDiffusionNetwork model, GaussianDiffusion diffusion, GenerationRequest request, Device device, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Conditions is { } source && source.Count != request.Count)
            throw new ArgumentException($"a generation request for {request.Count} images needs {request.Count} conditions, not {source.Count}");
        var sampler = request.Sampler.Create(model.ClipDenoised);
        var batches = new List<Tensor>();
        using var _ = no_grad();
        for (int first = 0; first < request.Count; first += request.BatchSize)
        {
            int count = Math.Min(request.BatchSize, request.Count - first);
            using var scope = NewDisposeScope();
            var noise = new SampleNoise(request.Seed, first, count, device);
            var xT = noise.Next(model.SampleShape);
            var condition = request.Conditions?.Batch(first, count, device) ?? Conditioning.None;
            model.Accepts.Check(condition, count);
            Denoiser denoiser = condition.BatchSize is null || request.Guidance == 0
                // w = 0 is the plain conditional model: no unconditional branch, so half the network evaluations.
                ? Denoisers.FromModel((x, t) => model.forward(x, t, condition), diffusion)
                : Denoisers.Guided(model.forward, diffusion, condition, request.Guidance);
            var samples = sampler.Sample(denoiser, xT, request.Timesteps, diffusion.Schedule, noise);
            if (model.ClipDenoised) samples = samples.clamp(Scaled.MinusOne, Scaled.One);
            batches.Add(samples.cpu().MoveToOuterDisposeScope());
            progress?.Invoke(first + count, request.Count);
        }
        var all = cat(batches, 0);
        foreach (var b in batches) b.Dispose();
        return all;
    }
}
