using SharpDiffusion.Diffusion;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// What to generate: how many, how, and from which seed. Sample i depends only on (Seed, i) and, for a class-conditional
/// model, on Labels[i] (null: the unconditional/null class) and the guidance weight.
/// </summary>
public sealed record GenerationRequest(int Count, ISampler Sampler, IReadOnlyList<int> Timesteps, long Seed, int BatchSize = 64, IReadOnlyList<long>? Labels = null, double Guidance = 0);

/// <summary>Runs a sampler over a trained network in batches and returns images in [-1, 1] on the CPU.</summary>
public static class ImageGenerator
{
    /// <param name="progress">Called with (images done, images total) after each batch.</param>
    public static Tensor Generate(UNet model, GaussianDiffusion diffusion, GenerationRequest request, Device device, Action<int, int>? progress = null)
    {
        if (request.Labels is not null && !model.Config.ClassConditional)
            throw new ArgumentException("this model was trained without classes, so --class and --guidance cannot be used; train with model.class_conditional=true");
        if (request.Labels is not null && request.Labels.Count != request.Count)
            throw new ArgumentException($"a generation request for {request.Count} images needs {request.Count} labels, not {request.Labels.Count}");
        long nullLabel = model.Config.NumClasses;
        var batches = new List<Tensor>();
        using var _ = no_grad();
        for (int first = 0; first < request.Count; first += request.BatchSize)
        {
            int count = Math.Min(request.BatchSize, request.Count - first);
            using var scope = NewDisposeScope();
            var noise = new SampleNoise(request.Seed, first, count, device);
            var xT = noise.Next([model.Channels, model.ImageSize, model.ImageSize]);
            var batchLabels = request.Labels is { } labels ? tensor(labels.Skip(first).Take(count).ToArray(), device: device) : null;
            // An unconditional sample of a class-conditional model asks for the null class; made once per batch, not per step.
            var nullLabels = model.Config.ClassConditional ? full(count, nullLabel, ScalarType.Int64, device) : null;
            Denoiser denoiser = (batchLabels, request.Guidance) switch
            {
                // w = 0 is the plain conditional model: no unconditional branch, so half the network evaluations.
                (not null, 0) => Denoisers.FromModel((x, t) => model.forward(x, t, batchLabels), diffusion),
                (not null, _) => Denoisers.Guided((x, t, y) => model.forward(x, t, y), diffusion, batchLabels, nullLabel, request.Guidance),
                _ => Denoisers.FromModel((x, t) => model.forward(x, t, nullLabels), diffusion),
            };
            var images = request.Sampler.Sample(denoiser, xT, request.Timesteps, diffusion.Schedule, noise);
            batches.Add(images.clamp(Scaled.MinusOne, Scaled.One).cpu().MoveToOuterDisposeScope());
            progress?.Invoke(first + count, request.Count);
        }
        var all = cat(batches, 0);
        foreach (var b in batches) b.Dispose();
        return all;
    }
}
