using SharpDiffusion.Config;
using SharpDiffusion.Interop;
using SharpDiffusion.Interop.DenoisingDiffusionPytorch;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

/// <summary>
/// Schedule and objective from GaussianDiffusion buffers built here with denoising-diffusion-pytorch 2.x's formulas
/// (written out below from its documented definitions, independent of our BetaSchedules), stored as float32 as it does.
/// </summary>
public sealed class DiffusionBuffersTests
{
    private static double[] LinearBetas(int T) => Enumerable.Range(0, T).Select(t => 1000.0 / T * (1e-4 + (0.02 - 1e-4) * t / (T - 1))).ToArray();

    private static double[] FromAlphaBar(int T, Func<double, double> f) =>
        Enumerable.Range(0, T).Select(t => Math.Clamp(1 - f((t + 1.0) / T) / f(t / (double)T), 0, 0.999)).ToArray();

    private static double[] CosineBetas(int T) => FromAlphaBar(T, u => Math.Pow(Math.Cos((u + 0.008) / 1.008 * Math.PI / 2), 2));

    private static double[] SigmoidBetas(int T) => FromAlphaBar(T, u => 1 / (1 + Math.Exp(-3)) - 1 / (1 + Math.Exp(-(u * 6 - 3))));

    /// <summary>loss_weight of GaussianDiffusion: m/SNR, m, m/(SNR + 1) with m = SNR or min(SNR, γ).</summary>
    private static Dictionary<string, Tensor> Buffers(double[] betas, string objective, double? gamma)
    {
        var alphaBar = new double[betas.Length];
        double product = 1;
        for (int t = 0; t < betas.Length; t++) alphaBar[t] = product *= 1 - betas[t];
        var snr = alphaBar.Select(a => a / (1 - a)).ToArray();
        var m = snr.Select(s => gamma is double g ? Math.Min(s, g) : s).ToArray();
        var weight = objective switch
        {
            "pred_noise" => m.Select((v, t) => v / snr[t]),
            "pred_x0" => m,
            _ => m.Select((v, t) => v / (snr[t] + 1)),
        };
        static Tensor Float32(IEnumerable<double> values) => tensor(values.Select(v => (float)v).ToArray());
        return new() { ["betas"] = Float32(betas), ["alphas_cumprod"] = Float32(alphaBar), ["loss_weight"] = Float32(weight) };
    }

    public static TheoryData<string, int, string, double> Cases => new()
    {
        { "linear", 1000, "pred_noise", 0 }, { "cosine", 1000, "pred_x0", 0 }, { "sigmoid", 1000, "pred_v", 0 },
        { "linear", 250, "pred_v", 5 }, { "cosine", 500, "pred_noise", 5 }, { "sigmoid", 100, "pred_x0", 5 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Infer_BuffersOfTheLibrary_GiveTheirScheduleObjectiveAndGamma(string schedule, int T, string objective, double gamma)
    {
        var betas = schedule switch { "linear" => LinearBetas(T), "cosine" => CosineBetas(T), _ => SigmoidBetas(T) };
        var inferred = DiffusionBuffers.Infer(Buffers(betas, objective, gamma > 0 ? gamma : null), null, "test.pt").Diffusion;
        Assert.Equal(T, inferred.Timesteps);
        var result = DiffusionBuffers.Infer(Buffers(betas, objective, gamma > 0 ? gamma : null), null, "test.pt");
        Assert.Equal(BetaSchedule.Table, inferred.Schedule);
        Assert.Contains($"{schedule}_beta_schedule({T})", result.Reasons[0], StringComparison.Ordinal);
        Assert.Equal(objective switch { "pred_noise" => Objective.Eps, "pred_x0" => Objective.X0, _ => Objective.V }, inferred.Objective);
        if (gamma > 0) Assert.Equal(gamma, inferred.MinSnrGamma, 1e-4);
        else if (objective == "pred_noise") Assert.Equal(0, inferred.MinSnrGamma);
        else Assert.True(inferred.MinSnrGamma > 1000, "unclamped x0/v weighting is our γ = the largest SNR");
        if (schedule == "linear") Assert.Equal(1000.0 / T * 0.02, inferred.Betas![T - 1], 1e-8);
    }

    [Fact]
    public void Infer_ScheduleOfNoKnownKind_IsCarriedAsItIs()
    {
        var betas = Enumerable.Repeat(0.01, 100).ToArray();
        var result = DiffusionBuffers.Infer(Buffers(betas, "pred_noise", null), null, "odd.pt");
        Assert.Equal(BetaSchedule.Table, result.Diffusion.Schedule);
        Assert.All(result.Diffusion.Betas!, b => Assert.Equal(0.01, b, 1e-8));
        Assert.Contains("none of the library's linear, cosine or sigmoid schedules", result.Reasons[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Infer_AlphasCumprodNotTheProductOfTheBetas_SaysTheFileIsInconsistent()
    {
        var buffers = Buffers(SigmoidBetas(100), "pred_v", null);
        buffers["alphas_cumprod"] = buffers["alphas_cumprod"] * 0.99f;
        var error = Assert.Throws<InteropException>(() => DiffusionBuffers.Infer(buffers, null, "odd.pt"));
        Assert.StartsWith("'odd.pt': its alphas_cumprod is not the cumulative product of its own 1 − betas (at t = 0:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Infer_BetaOutsideTheUnitInterval_SaysTheFileIsNotFromTheLibrary()
    {
        var betas = SigmoidBetas(100);
        betas[3] = 1.5;
        var error = Assert.Throws<InteropException>(() => DiffusionBuffers.Infer(Buffers(betas, "pred_v", null), null, "odd.pt"));
        Assert.Equal("'odd.pt': its beta at t = 3 is 1.5, outside (0, 1) where every GaussianDiffusion's betas lie; the file is not from denoising-diffusion-pytorch.", error.Message);
    }
}
