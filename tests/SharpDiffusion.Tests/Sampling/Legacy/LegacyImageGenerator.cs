// Copied from src/SharpDiffusion/Sampling/ImageGenerator.cs (Generate, ClipDenoised), Samplers.cs (Create) and
// StartingNoise.cs at 8b02e6c as the oracle for issue 22's contract refactor; do not edit. Renamed with a Legacy prefix;
// the request is passed as arguments, and the sampler is picked by its registry name as Samplers.Create did.
using SharpDiffusion.Models;
using SharpDiffusion.Sampling;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Sampling.Legacy;

/// <summary>
/// Runs a sampler over a trained network in batches and returns images in [−1, 1] on the CPU: the samples, taken out of the
/// model's <see cref="ISampleSpace"/> (pixels: clamped; latents: decoded) once each batch has finished sampling.
/// </summary>
internal static class LegacyImageGenerator
{
    /// <summary>Samplers.Create at 8b02e6c: the registry's four samplers by name, with their option refusals.</summary>
    public static ILegacySampler CreateSampler(string name, double eta, bool largeVariance, bool clipDenoised)
    {
        if (eta != 0 && name != "ddim")
            throw new ArgumentException($"eta applies only to the ddim sampler, not to '{name}'.", nameof(eta));
        if (largeVariance && name != "ddpm")
            throw new ArgumentException($"The large posterior variance applies only to the ddpm sampler, not to '{name}'.", nameof(largeVariance));
        return name switch
        {
            "ddpm" => new LegacyDdpmSampler(largeVariance, clipDenoised),
            "ddim" => new LegacyDdimSampler(eta, clipDenoised),
            "dpm-solver++" => new LegacyDpmSolverPlusPlusSampler(clipDenoised),
            "unipc" => new LegacyUniPcSampler(clipDenoised),
            _ => throw new ArgumentException($"Unknown sampler '{name}'.", nameof(name)),
        };
    }

    /// <param name="clip">GenerationRequest.ClipDenoised: null is the model's choice.</param>
    /// <param name="space">Where the model's samples live (null: pixel space).</param>
    public static Tensor Generate(IDiffusionNetwork model, LegacyGaussianDiffusion diffusion, int count, ILegacySampler sampler, IReadOnlyList<int> timesteps, long seed,
        int batchSize, IConditioningSource? conditions, double guidance, Device device, ISampleSpace? space = null, Tensor? startingNoise = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (conditions is { } source && source.Count != count)
            throw new ArgumentException($"a generation request for {count} images needs {count} conditions, not {source.Count}");
        using var given = startingNoise is null ? null : StartingNoise.Check(startingNoise, model.SampleShape);
        space ??= PixelSpace.Instance;
        var batches = new List<Tensor>();
        using var _ = no_grad();
        for (int first = 0; first < count; first += batchSize)
        {
            int n = Math.Min(batchSize, count - first);
            using var scope = NewDisposeScope();
            var noise = new SampleNoise(seed, first, n, device);
            // The seeded x_T is drawn even when one is given, so that the sampler's later draws are the seeded run's.
            var drawn = noise.Next(model.SampleShape);
            var xT = given is null ? drawn : given.narrow(0, first, n).to(device);
            var condition = conditions?.Batch(first, n, device) ?? Conditioning.None;
            model.Accepts.Check(condition, n);
            LegacyDenoiser denoiser = condition.BatchSize is null || guidance == 0
                // w = 0 is the plain conditional model: no unconditional branch, so half the network evaluations.
                ? LegacyDenoisers.FromModel((x, t) => model.forward(x, t, condition), diffusion)
                : LegacyDenoisers.Guided(model.forward, diffusion, condition, guidance);
            var samples = sampler.Sample(denoiser, xT, timesteps, diffusion.Schedule, noise);
            batches.Add(space.ToImages(samples).cpu().MoveToOuterDisposeScope());
        }
        var all = cat(batches, 0);
        foreach (var b in batches) b.Dispose();
        return all;
    }

    /// <summary>Whether the sampler clips x̂₀: the request's choice or the model's; a model that does not clip (latents) refuses clipping.</summary>
    public static bool ClipDenoised(IDiffusionNetwork model, bool? clip)
    {
        if (clip == true && !model.ClipDenoised)
            throw new ArgumentException("this is a latent model: x̂₀ is a latent, which has no [−1, 1] range to clip to.");
        return clip ?? model.ClipDenoised;
    }
}
