using System.Globalization;
using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using static TorchSharp.torch;

namespace SharpDiffusion.Interop.DenoisingDiffusionPytorch;

/// <summary>
/// The <c>diffusion.*</c> settings that GaussianDiffusion's buffers imply.
/// Schedule: the file's own β table is carried (<c>diffusion.schedule: table</c>), whatever schedule or arguments made it,
/// rather than re-derived from a named schedule: the library computes its sigmoid with float32 σ(±3) inside a float64
/// formula, which no float64 re-implementation reproduces to float32 precision near t = T (docs/interop.md). Both float32
/// buffers are used: β_t from <c>betas</c> where β_t ≤ ½ (there float32 keeps β and 1 − β to 6e-8 relative), from
/// <c>alphas_cumprod</c> as 1 − ᾱ_t/ᾱ_{t−1} where β_t &gt; ½ (float32(0.999) has 1 − β off by 1.3e-5, the ratio of two
/// float32 ᾱ only by 1.2e-7), so that the cumulative product equals the stored ᾱ to float32 precision at every t.
/// Objective: GaussianDiffusion stores <c>loss_weight</c> = m/SNR for pred_noise, m for pred_x0 and m/(SNR + 1) for
/// pred_v, where m = SNR, clamped at γ when min_snr_loss_weight is on. For each objective m is recovered from the
/// buffer and the objective whose m has the form min(SNR, γ) is the one; γ is the largest m (γ ≥ the largest SNR means no clamp).
/// </summary>
internal static class DiffusionBuffers
{
    /// <summary>Agreement asked of float32 buffers against float64 formulas (float32 keeps 7 digits; 1e-5 leaves room for the
    /// library's own float64 → float32 rounding of derived buffers).</summary>
    private const double RelativeTolerance = 1e-5;

    /// <summary>Above this β the table takes 1 − β from the ratio of consecutive ᾱ instead of from the float32 β.</summary>
    private const double LargeBeta = 0.5;

    /// <summary>How close a table must be to a named schedule to be called by its name in the import's report (not used otherwise).</summary>
    private const double NamedTolerance = 1e-4;

    public sealed record Inferred(DiffusionConfig Diffusion, IReadOnlyList<string> Reasons);

    /// <param name="objective">Given by the user (--objective): checked against the buffers when they tell, used when they do not.</param>
    public static Inferred Infer(IReadOnlyDictionary<string, Tensor> buffers, Objective? objective, string path)
    {
        var stored = Values(buffers, "betas", path);
        int T = stored.Length;
        if (T < 2) throw new InteropException($"'{path}' has {T} betas; a diffusion needs at least 2 timesteps.");
        int outside = Array.FindIndex(stored, b => !(b > 0 && b < 1));
        if (outside >= 0)
            throw new InteropException(string.Create(CultureInfo.InvariantCulture,
                $"'{path}': its beta at t = {outside} is {stored[outside]:G6}, outside (0, 1) where every GaussianDiffusion's betas lie; the file is not from denoising-diffusion-pytorch."));
        var alphasCumprod = buffers.ContainsKey("alphas_cumprod") ? Values(buffers, "alphas_cumprod", path) : null;
        var betas = Table(stored, alphasCumprod, path);
        var config = new DiffusionConfig { Timesteps = T, Schedule = BetaSchedule.Table, Betas = betas };
        var schedule = NoiseSchedule.Create(config);
        var reasons = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"schedule: the file's own {T} betas (from {betas[0]:G4} to {betas[^1]:G4}) carried as diffusion.betas ({NamedLike(betas)}); ")
                + (alphasCumprod is null ? "the file has no alphas_cumprod to check ᾱ against" : "ᾱ equals its alphas_cumprod to float32 precision"),
        };
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

    /// <summary>The β table (see the class remarks); an alphas_cumprod that is not the product of the betas is refused.</summary>
    private static double[] Table(double[] betas, double[]? alphasCumprod, string path)
    {
        if (alphasCumprod is null) return betas;
        if (alphasCumprod.Length != betas.Length)
            throw new InteropException($"'{path}' has {betas.Length} betas but {alphasCumprod.Length} alphas_cumprod; the file is inconsistent or not from denoising-diffusion-pytorch.");
        var table = new double[betas.Length];
        double product = 1;
        for (int t = 0; t < betas.Length; t++)
        {
            double previous = t == 0 ? 1 : alphasCumprod[t - 1];
            table[t] = betas[t] <= LargeBeta || !(previous > 0) ? betas[t] : 1 - alphasCumprod[t] / previous;
            product *= 1 - table[t];
            if (!(table[t] > 0 && table[t] < 1) || Math.Abs(product - alphasCumprod[t]) > RelativeTolerance * Math.Abs(alphasCumprod[t]))
                throw new InteropException(string.Create(CultureInfo.InvariantCulture,
                    $"'{path}': its alphas_cumprod is not the cumulative product of its own 1 − betas (at t = {t}: {alphasCumprod[t]:G7} against {product:G7}); the file is inconsistent or not from denoising-diffusion-pytorch."));
        }
        return table;
    }

    /// <summary>Which of the library's schedules at default arguments the table is close to, for the report only.</summary>
    private static string NamedLike(double[] betas)
    {
        int T = betas.Length;
        double scale = 1000.0 / T;
        var candidates = new (string Name, DiffusionConfig Config)[]
        {
            ("sigmoid", new DiffusionConfig { Timesteps = T, Schedule = BetaSchedule.Sigmoid }),
            ("cosine", new DiffusionConfig { Timesteps = T, Schedule = BetaSchedule.Cosine }),
            ("linear", new DiffusionConfig { Timesteps = T, Schedule = BetaSchedule.Linear, BetaStart = scale * 1e-4, BetaEnd = scale * 0.02 }),
        };
        foreach (var (name, config) in candidates)
        {
            if (config.BetaEnd >= 1 && config.Schedule == BetaSchedule.Linear) continue;
            var named = NoiseSchedule.Create(config).Betas;
            if (betas.Select((b, i) => Math.Abs(b - named[i]) <= NamedTolerance * named[i]).All(ok => ok))
                return string.Create(CultureInfo.InvariantCulture, $"denoising-diffusion-pytorch's {name}_beta_schedule({T}) to {NamedTolerance:0e0}");
        }
        return "none of the library's linear, cosine or sigmoid schedules at default arguments; carried as it is";
    }

    private static bool Close(double[] actual, double[] expected) =>
        actual.Length == expected.Length && actual.Select((a, i) => Math.Abs(a - expected[i]) <= RelativeTolerance * Math.Abs(expected[i]) + 1e-12).All(ok => ok);

    private static double[] Values(IReadOnlyDictionary<string, Tensor> buffers, string key, string path)
    {
        if (!buffers.TryGetValue(key, out var tensor) || tensor.dim() != 1)
            throw new InteropException($"'{path}' has no 1-D '{key}' buffer in its model entry; a GaussianDiffusion state dict has betas, alphas_cumprod, …, loss_weight.");
        return tensor.to_type(ScalarType.Float64).data<double>().ToArray();
    }

    private static string Name(Objective objective) => objective switch { Objective.Eps => "eps (pred_noise)", Objective.X0 => "x0 (pred_x0)", _ => "v (pred_v)" };

    private static string Formula(Objective objective) => objective switch { Objective.Eps => "m/SNR", Objective.X0 => "m", _ => "m/(SNR + 1)" };
}
