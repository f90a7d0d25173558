using SharpDiffusion.Config;
using SharpDiffusion.Diffusion;
using SharpDiffusion.Interop.DenoisingDiffusionPytorch;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

/// <summary>
/// The library's own sigmoid tables (sigmoid-T.npz: float32 σ(±3) inside a float64 formula, stored as float32 buffers),
/// imported as GaussianDiffusion buffers: ᾱ must equal the checkpoint's own to float32 precision at every t.
/// </summary>
public sealed class LibraryScheduleTests
{
    /// <summary>One float32 ulp relative (2⁻²³): the buffer itself is the float64 ᾱ rounded to float32 (≤ half of it).</summary>
    private const double Float32Precision = 1.0 / (1 << 23);

    [Theory]
    [InlineData(100)]
    [InlineData(400)]
    [InlineData(1000)]
    [InlineData(2000)]
    public void Infer_LibrarySigmoidTable_ReproducesItsAlphaBarAtEveryT(int T)
    {
        var arrays = LibraryFixture.Npz($"sigmoid-{T}.npz");
        var buffers = new Dictionary<string, Tensor> { ["betas"] = arrays["betas"], ["alphas_cumprod"] = arrays["alphas_cumprod"] };
        var config = DiffusionBuffers.Infer(buffers, Objective.V, $"sigmoid-{T}").Diffusion;
        var ours = NoiseSchedule.Create(config).AlphasCumprod;
        var stored = LibraryFixture.Doubles(arrays["alphas_cumprod"]);
        var exact = LibraryFixture.Doubles(arrays["alphas_cumprod_float64"]);
        Assert.Equal(T, ours.Count);
        for (int t = 0; t < T; t++)
        {
            Assert.True(Math.Abs(ours[t] - stored[t]) <= Float32Precision * stored[t], $"t = {t}: {ours[t]} against the buffer's {stored[t]}");
            Assert.True(Math.Abs(ours[t] - exact[t]) <= Float32Precision * exact[t], $"t = {t}: {ours[t]} against the library's float64 {exact[t]}");
        }
    }

    [Fact]
    public void Infer_LibrarySigmoidTable_IsNotOurFloat64SigmoidNearTheEnd()
    {
        // Why the table is carried: our all-float64 sigmoid misses the library's ᾱ by more than float32 precision at T = 1000.
        var exact = LibraryFixture.Doubles(LibraryFixture.Npz("sigmoid-1000.npz")["alphas_cumprod_float64"]);
        var named = NoiseSchedule.Create(new DiffusionConfig { Timesteps = 1000, Schedule = BetaSchedule.Sigmoid }).AlphasCumprod;
        Assert.True(Math.Abs(named[998] - exact[998]) > 10 * Float32Precision * exact[998]);
    }
}
