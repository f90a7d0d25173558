using System.Globalization;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.DenoisingDiffusionPytorch;

/// <summary>
/// The <c>diffusion.*</c> settings that GaussianDiffusion's buffers imply.
/// Schedule: <c>betas</c> (float32, length T) is compared with each schedule denoising-diffusion-pytorch 2.x offers at its
/// default arguments — <c>linear_beta_schedule</c> (β from 1e-4·1000/T to 0.02·1000/T), <c>cosine_beta_schedule</c>
/// (s = 0.008), <c>sigmoid_beta_schedule</c> (start −3, end 3, τ 1) — and must equal one to float32 precision.
/// Objective: GaussianDiffusion stores <c>loss_weight</c> = m/SNR for pred_noise, m for pred_x0 and m/(SNR + 1) for
/// pred_v, where m = SNR, clamped at γ when min_snr_loss_weight is on. For each objective m is recovered from the
/// buffer and the objective whose m has the form min(SNR, γ) is the one; γ is the largest m (γ ≥ the largest SNR means no clamp).
/// </summary>
internal static class DiffusionBuffers
{
    /// <summary>Agreement asked of float32 buffers against float64 formulas (float32 keeps 7 digits; 1e-5 leaves room for the
    /// library's own float64 → float32 rounding of derived buffers).</summary>
    private const double RelativeTolerance = 1e-5;

    public sealed record Inferred(DiffusionConfig Diffusion, IReadOnlyList<string> Reasons);

    /// <param name="objective">Given by the user (--objective): checked against the buffers when they tell, used when they do not.</param>
    public static Inferred Infer(IReadOnlyDictionary<string, Tensor> buffers, Objective? objective, string path)
    {
        var betas = Values(buffers, "betas", path);
        int T = betas.Length;
        var reasons = new List<string>();
        var (config, scheduleName) = MatchSchedule(betas, path);
        reasons.Add($"schedule {scheduleName}, T = {T}: betas equal denoising-diffusion-pytorch's {scheduleName}_beta_schedule({T}) to {RelativeTolerance:0e0} relative");
        var schedule = NoiseSchedule.Create(config);
        if (buffers.ContainsKey("alphas_cumprod"))
        {
            var stored = Values(buffers, "alphas_cumprod", path);
            if (!Close(stored, schedule.AlphasCumprod))
                throw new InteropException($"'{path}': its alphas_cumprod is not the cumulative product of its own 1 − betas; the file is inconsistent or not from denoising-diffusion-pytorch.");
        }

        var snr = schedule.AlphasCumprod.Select(a => a / (1 - a)).ToArray();
        if (!buffers.ContainsKey("loss_weight"))
        {
            if (objective is null)
                throw new InteropException($"'{path}' has no loss_weight buffer to tell the objective from; pass --objective eps, x0 or v (denoising-diffusion-pytorch's pred_noise, pred_x0, pred_v).");
            reasons.Add($"objective {Name(objective.Value)}: given by --objective (no loss_weight buffer)");
            return new Inferred(config with { Objective = objective.Value }, reasons);
        }

        var lossWeight = Values(buffers, "loss_weight", path);
        var fits = new List<(Objective Objective, double Gamma)>();
        foreach (var candidate in new[] { Objective.Eps, Objective.X0, Objective.V })
        {
            var m = lossWeight.Select((w, t) => candidate switch { Objective.Eps => w * snr[t], Objective.X0 => w, _ => w * (snr[t] + 1) }).ToArray();
            double gamma = m.Max();
            if (Close(m, snr.Select(s => Math.Min(s, gamma)).ToArray())) fits.Add((candidate, gamma));
        }

        if (objective is Objective given)
        {
            if (fits.Count > 0 && fits.All(f => f.Objective != given))
                throw new InteropException($"'{path}': --objective {Name(given)} contradicts its loss_weight buffer, which belongs to {string.Join(" or ", fits.Select(f => Name(f.Objective)))}; leave --objective out.");
            fits = fits.Where(f => f.Objective == given).DefaultIfEmpty((given, 0)).ToList();
        }
        if (fits.Count != 1)
            throw new InteropException(fits.Count == 0
                ? $"'{path}': its loss_weight buffer fits none of pred_noise, pred_x0 and pred_v (with or without min-SNR weighting); pass --objective eps, x0 or v if you know it."
                : $"'{path}': its loss_weight buffer fits {string.Join(" and ", fits.Select(f => Name(f.Objective)))} alike; pass --objective to choose.");

        var (inferredObjective, clamp) = fits[0];
        // An unclamped m (γ ≥ every SNR) is plain SNR weighting in x₀ terms: for ε that is the plain loss (our γ = 0); for x₀
        // and v the library's loss weights are exactly our Min-SNR weights with γ = max SNR (GaussianDiffusion.LossWeight).
        bool clamped = clamp < snr.Max() * (1 - RelativeTolerance);
        double gammaForUs = inferredObjective == Objective.Eps && !clamped ? 0 : clamp;
        reasons.Add(objective is null
            ? $"objective {Name(inferredObjective)}: loss_weight = {Formula(inferredObjective)} with m = {(clamped ? string.Create(CultureInfo.InvariantCulture, $"min(SNR, {clamp:G4}) (min-SNR weighting)") : "SNR (no min-SNR clamp)")}"
            : $"objective {Name(inferredObjective)}: given by --objective");
        if (gammaForUs > 0) reasons.Add(string.Create(CultureInfo.InvariantCulture, $"diffusion.min_snr_gamma = {gammaForUs:G6}, which gives the same loss weights for further training"));
        return new Inferred(config with { Objective = inferredObjective, MinSnrGamma = gammaForUs }, reasons);
    }

    private static (DiffusionConfig Config, string Name) MatchSchedule(double[] betas, string path)
    {
        int T = betas.Length;
        double scale = 1000.0 / T;
        var candidates = new (string Name, DiffusionConfig Config)[]
        {
            ("sigmoid", new DiffusionConfig { Timesteps = T, Schedule = BetaSchedule.Sigmoid }),
            ("cosine", new DiffusionConfig { Timesteps = T, Schedule = BetaSchedule.Cosine }),
            ("linear", new DiffusionConfig { Timesteps = T, Schedule = BetaSchedule.Linear, BetaStart = scale * 1e-4, BetaEnd = scale * 0.02 }),
        };
        if (T < 2) throw new InteropException($"'{path}' has {T} betas; a diffusion needs at least 2 timesteps.");
        foreach (var (name, config) in candidates)
        {
            if (config.BetaEnd >= 1 && config.Schedule == BetaSchedule.Linear) continue;
            if (Close(betas, NoiseSchedule.Create(config).Betas)) return (config, name);
        }
        throw new InteropException(string.Create(CultureInfo.InvariantCulture,
            $"'{path}': its {T} betas (from {betas[0]:G4} to {betas[^1]:G4}) equal none of denoising-diffusion-pytorch's linear, cosine or sigmoid schedules at their default arguments, and other schedules cannot be represented here."));
    }

    private static bool Close(double[] actual, IReadOnlyList<double> expected) =>
        actual.Length == expected.Count && actual.Select((a, i) => Math.Abs(a - expected[i]) <= RelativeTolerance * Math.Abs(expected[i]) + 1e-12).All(ok => ok);

    private static double[] Values(IReadOnlyDictionary<string, Tensor> buffers, string key, string path)
    {
        if (!buffers.TryGetValue(key, out var tensor) || tensor.dim() != 1)
            throw new InteropException($"'{path}' has no 1-D '{key}' buffer in its model entry; a GaussianDiffusion state dict has betas, alphas_cumprod, …, loss_weight.");
        return tensor.to_type(ScalarType.Float64).data<double>().ToArray();
    }

    private static string Name(Objective objective) => objective switch { Objective.Eps => "eps (pred_noise)", Objective.X0 => "x0 (pred_x0)", _ => "v (pred_v)" };

    private static string Formula(Objective objective) => objective switch { Objective.Eps => "m/SNR", Objective.X0 => "m", _ => "m/(SNR + 1)" };
}
