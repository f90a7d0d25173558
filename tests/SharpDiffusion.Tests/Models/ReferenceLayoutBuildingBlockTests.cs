using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

/// <summary>
/// The reference layout's blocks against explicit float64 loops written from their definitions in
/// denoising-diffusion-pytorch 2.x (docs/model.md): RMSNorm, linear attention, full attention with memory tokens.
/// </summary>
public class ReferenceLayoutBuildingBlockTests
{
    private const int Batch = 2, Channels = 4, Heads = 2, HeadDim = 3, Height = 3, Width = 2, Positions = Height * Width;
    private const int Memory = LinearAttention.MemoryTokens;

    private static double[] Values(Tensor t) => t.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();

    /// <summary>RMSNorm over channels of x[b, ·, n] stored as [B, C, N]: x / ‖x‖ · √C · g.</summary>
    private static double[,,] RmsNormLoop(double[,,] x, double[] gain)
    {
        int batch = x.GetLength(0), channels = x.GetLength(1), positions = x.GetLength(2);
        var y = new double[batch, channels, positions];
        for (int b = 0; b < batch; b++)
            for (int n = 0; n < positions; n++)
            {
                double sum = 0;
                for (int c = 0; c < channels; c++) sum += x[b, c, n] * x[b, c, n];
                for (int c = 0; c < channels; c++) y[b, c, n] = x[b, c, n] / Math.Sqrt(sum) * Math.Sqrt(channels) * gain[c];
            }
        return y;
    }

    /// <summary>y[b, o, n] = Σ_c W[o, c] x[b, c, n] (+ bias[o]): a 1×1 convolution.</summary>
    private static double[,,] Pointwise(double[,,] x, double[] weight, int outputs, double[]? bias = null)
    {
        int batch = x.GetLength(0), inputs = x.GetLength(1), positions = x.GetLength(2);
        var y = new double[batch, outputs, positions];
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < outputs; o++)
                for (int n = 0; n < positions; n++)
                {
                    double sum = bias?[o] ?? 0;
                    for (int c = 0; c < inputs; c++) sum += weight[o * inputs + c] * x[b, c, n];
                    y[b, o, n] = sum;
                }
        return y;
    }

    private static double[,,] ToArray3(double[] flat, int a, int b, int c)
    {
        var y = new double[a, b, c];
        for (int i = 0; i < a; i++) for (int j = 0; j < b; j++) for (int k = 0; k < c; k++) y[i, j, k] = flat[(i * b + j) * c + k];
        return y;
    }

    private static Dictionary<string, Tensor> Parameters(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);

    /// <summary>Sets every RMSNorm gain to a distinct value so that a misplaced gain shows.</summary>
    private static void PerturbGains(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in module.named_parameters())
            if (name == "g" || name.EndsWith(".g", StringComparison.Ordinal)) p.copy_(rand_like(p) + 0.5);
    }

    [Fact]
    public void RmsNorm_Forward_EqualsClosedForm()
    {
        random.manual_seed(1);
        using var norm = new RmsNorm(Channels);
        PerturbGains(norm);
        using var scope = NewDisposeScope();
        var x = randn(Batch, Channels, Height, Width);

        var expected = RmsNormLoop(ToArray3(Values(x), Batch, Channels, Positions), Values(Parameters(norm)["g"]));
        var actual = ToArray3(Values(norm.forward(x)), Batch, Channels, Positions);
        for (int b = 0; b < Batch; b++) for (int c = 0; c < Channels; c++) for (int n = 0; n < Positions; n++)
            Assert.Equal(expected[b, c, n], actual[b, c, n], tolerance: 1e-5);
    }

    [Fact]
    public void LinearAttention_Forward_EqualsExplicitLoops()
    {
        random.manual_seed(3);
        using var attention = new LinearAttention(Channels, Heads, HeadDim);
        PerturbGains(attention);
        using var scope = NewDisposeScope();
        var x = randn(Batch, Channels, Height, Width);
        var p = Parameters(attention);
        var input = ToArray3(Values(x), Batch, Channels, Positions);
        var memory = Values(p["mem_kv"]);                                    // [2, heads, d, M]
        int inner = Heads * HeadDim;

        var qkv = Pointwise(RmsNormLoop(input, Values(p["norm.g"])), Values(p["to_qkv.weight"]), 3 * inner);
        var merged = new double[Batch, inner, Positions];
        for (int b = 0; b < Batch; b++)
            for (int h = 0; h < Heads; h++)
            {
                // Keys/values over M memory tokens then the N positions: K[i, j], V[e, j].
                double Key(int i, int j) => j < Memory ? memory[((0 * Heads + h) * HeadDim + i) * Memory + j] : qkv[b, inner + h * HeadDim + i, j - Memory];
                double Value(int e, int j) => j < Memory ? memory[((1 * Heads + h) * HeadDim + e) * Memory + j] : qkv[b, 2 * inner + h * HeadDim + e, j - Memory];
                int tokens = Memory + Positions;
                // q̂: softmax over the d features at each position, times d^(−1/2); k̂: softmax over the tokens per feature.
                var qHat = new double[HeadDim, Positions];
                for (int n = 0; n < Positions; n++)
                {
                    double z = 0;
                    for (int i = 0; i < HeadDim; i++) z += Math.Exp(qkv[b, h * HeadDim + i, n]);
                    for (int i = 0; i < HeadDim; i++) qHat[i, n] = Math.Exp(qkv[b, h * HeadDim + i, n]) / z / Math.Sqrt(HeadDim);
                }
                var kHat = new double[HeadDim, tokens];
                for (int i = 0; i < HeadDim; i++)
                {
                    double z = 0;
                    for (int j = 0; j < tokens; j++) z += Math.Exp(Key(i, j));
                    for (int j = 0; j < tokens; j++) kHat[i, j] = Math.Exp(Key(i, j)) / z;
                }
                // A[e, n] = Σ_i Σ_j k̂[i, j] V[e, j] q̂[i, n]
                for (int e = 0; e < HeadDim; e++)
                    for (int n = 0; n < Positions; n++)
                    {
                        double sum = 0;
                        for (int i = 0; i < HeadDim; i++)
                            for (int j = 0; j < tokens; j++) sum += kHat[i, j] * Value(e, j) * qHat[i, n];
                        merged[b, h * HeadDim + e, n] = sum;
                    }
            }
        var projected = RmsNormLoop(Pointwise(merged, Values(p["to_out.0.weight"]), Channels, Values(p["to_out.0.bias"])), Values(p["to_out.1.g"]));

        Tensor output;
        using (no_grad()) output = attention.forward(x);
        var actual = ToArray3(Values(output), Batch, Channels, Positions);
        for (int b = 0; b < Batch; b++) for (int c = 0; c < Channels; c++) for (int n = 0; n < Positions; n++)
            Assert.Equal(input[b, c, n] + projected[b, c, n], actual[b, c, n], tolerance: 1e-5);
    }

    [Fact]
    public void FullAttention_Forward_EqualsExplicitSoftmaxWithMemoryTokens()
    {
        random.manual_seed(5);
        using var attention = new ReferenceAttention(Channels, Heads, HeadDim);
        PerturbGains(attention);
        using var scope = NewDisposeScope();
        var x = randn(Batch, Channels, Height, Width);
        var p = Parameters(attention);
        var input = ToArray3(Values(x), Batch, Channels, Positions);
        var memory = Values(p["mem_kv"]);                                    // [2, heads, M, d]
        int inner = Heads * HeadDim, tokens = Memory + Positions;

        var qkv = Pointwise(RmsNormLoop(input, Values(p["norm.g"])), Values(p["to_qkv.weight"]), 3 * inner);
        var merged = new double[Batch, inner, Positions];
        for (int b = 0; b < Batch; b++)
            for (int h = 0; h < Heads; h++)
            {
                double Key(int i, int j) => j < Memory ? memory[((0 * Heads + h) * Memory + j) * HeadDim + i] : qkv[b, inner + h * HeadDim + i, j - Memory];
                double Value(int e, int j) => j < Memory ? memory[((1 * Heads + h) * Memory + j) * HeadDim + e] : qkv[b, 2 * inner + h * HeadDim + e, j - Memory];
                for (int n = 0; n < Positions; n++)
                {
                    // softmax_j(q_n · k_j / √d), then the weighted sum of the values.
                    var scores = new double[tokens];
                    for (int j = 0; j < tokens; j++)
                    {
                        double dot = 0;
                        for (int i = 0; i < HeadDim; i++) dot += qkv[b, h * HeadDim + i, n] * Key(i, j);
                        scores[j] = Math.Exp(dot / Math.Sqrt(HeadDim));
                    }
                    double z = scores.Sum();
                    for (int e = 0; e < HeadDim; e++)
                    {
                        double sum = 0;
                        for (int j = 0; j < tokens; j++) sum += scores[j] / z * Value(e, j);
                        merged[b, h * HeadDim + e, n] = sum;
                    }
                }
            }
        var projected = Pointwise(merged, Values(p["to_out.weight"]), Channels, Values(p["to_out.bias"]));

        Tensor output;
        using (no_grad()) output = attention.forward(x);
        var actual = ToArray3(Values(output), Batch, Channels, Positions);
        for (int b = 0; b < Batch; b++) for (int c = 0; c < Channels; c++) for (int n = 0; n < Positions; n++)
            Assert.Equal(input[b, c, n] + projected[b, c, n], actual[b, c, n], tolerance: 1e-5);
    }

    [Fact]
    public void PixelUnshuffle_ChannelOrder_IsChannelThenRowOffsetThenColumnOffset()
    {
        // The reference downsampler's rearrange 'b c (h p1) (w p2) -> b (c p1 p2) h w': output channel c·4 + 2·p1 + p2 at
        // (i, j) holds input (c, 2i + p1, 2j + p2). The 1×1 conv weights of a converted checkpoint rely on this order.
        using var unshuffle = nn.PixelUnshuffle(2);
        using var scope = NewDisposeScope();
        var x = arange(2 * 4 * 6, dtype: ScalarType.Float32).reshape(1, 2, 4, 6);
        var y = unshuffle.forward(x);

        Assert.Equal(new long[] { 1, 8, 2, 3 }, y.shape);
        for (int c = 0; c < 2; c++) for (int p1 = 0; p1 < 2; p1++) for (int p2 = 0; p2 < 2; p2++)
            for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++)
                Assert.Equal(x[0, c, 2 * i + p1, 2 * j + p2].item<float>(), y[0, c * 4 + 2 * p1 + p2, i, j].item<float>());
    }
}
