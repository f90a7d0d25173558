using SharpDiffusion.Diffusion;
using SharpDiffusion.Diffusion.Formulations;
using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Sampling;

/// <summary>
/// What to generate: how many, how, and from which seed. Sample i depends only on (Seed, i) and on its condition
/// (<paramref name="Conditions"/>; null: the unconditional form) and the guidance weight. <paramref name="Levels"/> are the
/// noise levels the sampler visits (<see cref="NoiseLevels.Create"/>). <paramref name="ClipDenoised"/> overrides whether x̂₀
/// is clipped to [−1, 1] while sampling (null: <see cref="ImageGenerator.ClipDenoised"/>). <paramref name="StartingNoise"/>
/// is a given standard normal n, float [Count, …<see cref="IDiffusionNetwork.SampleShape"/>] in the model's sample space,
/// used exactly (see <see cref="Sampling.StartingNoise"/>; not owned); null draws it from (Seed, i). The sampler starts from
/// the formulation's prior scale times n (DDPM: x_T = n). A stochastic sampler's later noise comes from (Seed, i) either way,
/// so a run replayed from the n it drew gives the same samples. <paramref name="AutoGuide"/> steers the model with a weaker
/// one (<see cref="AutoGuidance"/>; not together with classifier-free <paramref name="Guidance"/>).
/// </summary>
public sealed record GenerationRequest(int Count, SamplerChoice Sampler, IReadOnlyList<NoiseLevel> Levels, long Seed, int BatchSize = 64, IConditioningSource? Conditions = null, double Guidance = 0,
    bool? ClipDenoised = null, Tensor? StartingNoise = null, AutoGuidance? AutoGuide = null);

/// <summary>
/// Runs a sampler over a trained network in batches and returns images in [−1, 1] on the CPU: the samples, taken out of the
/// model's <see cref="ISampleSpace"/> (pixels: clamped; latents: decoded) once each batch has finished sampling.
/// </summary>
public static class ImageGenerator
{
    /// <param name="space">Where the model's samples live (null: pixel space).</param>
    /// <param name="progress">Called with (images done, images total) after each batch.</param>
    public static Tensor Generate(IDiffusionNetwork model, IFormulation formulation, GenerationRequest request, Device device, Action<int, int>? progress = null, ISampleSpace? space = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(formulation);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Conditions is { } source && source.Count != request.Count)
            throw new ArgumentException($"a generation request for {request.Count} images needs {request.Count} conditions, not {source.Count}");
        var sampler = request.Sampler.Create(ClipDenoised(model, formulation, request));
        if (request.Levels.Count == 0) throw new ArgumentException("a generation request needs at least one noise level; use NoiseLevels.Create.");
        double priorScale = formulation.PriorScale(request.Levels[0]);
        if (request.AutoGuide is { } autoGuide)
        {
            if (request.Guidance != 0) throw new ArgumentException("classifier-free guidance and autoguidance at once are not supported; use one of them.");
            if (AutoGuidance.Mismatch(model, autoGuide.Model) is { } mismatch) throw new ArgumentException(mismatch + ".");
        }
        using var given = request.StartingNoise is null ? null : Sampling.StartingNoise.Check(request.StartingNoise, model.SampleShape);
        if (given is not null && given.shape[0] != request.Count)
            throw new ArgumentException($"a generation request for {request.Count} images needs starting noise for {request.Count}, not {given.shape[0]}; pass Count = {given.shape[0]} or noise of that many samples.");
        space ??= PixelSpace.Instance;
        var batches = new List<Tensor>();
        using var _ = no_grad();
        for (int first = 0; first < request.Count; first += request.BatchSize)
        {
            int count = Math.Min(request.BatchSize, request.Count - first);
            using var scope = NewDisposeScope();
            var noise = new SampleNoise(request.Seed, first, count, device);
            // The seeded x_T is drawn even when one is given, so that the sampler's later draws are the seeded run's.
            var drawn = noise.Next(model.SampleShape);
            var n = given is null ? drawn : given.narrow(0, first, count).to(device);
            var xT = priorScale == 1 ? n : Scaled.By(n, priorScale);
            var condition = request.Conditions?.Batch(first, count, device) ?? Conditioning.None;
            model.Accepts.Check(condition, count);
            Denoiser denoiser = condition.BatchSize is null || request.Guidance == 0
                // w = 0 is the plain conditional model: no unconditional branch, so half the network evaluations.
                ? Denoisers.FromModel((x, t) => model.forward(x, t, condition), formulation)
                : Denoisers.Guided(model.forward, formulation, condition, request.Guidance);
            if (request.AutoGuide is { } guide)
                denoiser = AutoGuidance.Combine(denoiser, Denoisers.FromModel((x, t) => guide.Model.forward(x, t, condition), guide.Formulation), guide.Weight);
            var samples = sampler.Sample(denoiser, xT, request.Levels, noise);
            batches.Add(space.ToImages(samples).cpu().MoveToOuterDisposeScope());
            progress?.Invoke(first + count, request.Count);
        }
        var all = cat(batches, 0);
        foreach (var b in batches) b.Dispose();
        return all;
    }

    /// <summary>
    /// Whether the sampler clips x̂₀: the request's choice, or by default when the model's samples are pixels (not latents), the
    /// formulation clips (EDM never does) and the sampler does (Karras et al.'s Euler and Heun do not); a model that does not
    /// clip (latents) refuses clipping.
    /// </summary>
    public static bool ClipDenoised(IDiffusionNetwork model, IFormulation formulation, GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(formulation);
        ArgumentNullException.ThrowIfNull(request);
        if (request.ClipDenoised == true && !model.ClipDenoised)
            throw new ArgumentException("this is a latent model: x̂₀ is a latent, which has no [−1, 1] range to clip to; leave GenerationRequest.ClipDenoised unset.");
        return request.ClipDenoised ?? (model.ClipDenoised && formulation.ClipsByDefault && request.Sampler.ClipsByDefault);
    }
}
