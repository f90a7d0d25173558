using SharpDiffusion.Models;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Models;

/// <summary>Known answers for the time embedding and the attention layer.</summary>
public class ModelBuildingBlockTests
{
    [Fact]
    public void Sinusoidal_KnownTimesteps_MatchClosedForm()
    {
        using var scope = NewDisposeScope();
        var embedding = TimestepEmbedding.Sinusoidal(tensor(new long[] { 0, 1, 250 }), 8);

        Assert.Equal(new long[] { 3, 8 }, embedding.shape);
        // ω_k = 10000^(−k/3) for k = 0..3; row t is [sin(tω_0..3), cos(tω_0..3)].
        double[] omega = [1, Math.Pow(10000, -1.0 / 3), Math.Pow(10000, -2.0 / 3), 1e-4];
        long[] times = [0, 1, 250];
        for (int row = 0; row < 3; row++)
            for (int k = 0; k < 4; k++)
            {
                Assert.Equal(Math.Sin(times[row] * omega[k]), embedding[row, k].item<float>(), 4);
                Assert.Equal(Math.Cos(times[row] * omega[k]), embedding[row, k + 4].item<float>(), 4);
            }
    }

    [Fact]
    public void Sinusoidal_OddWidth_Throws()
    {
        using var t = zeros(1, dtype: ScalarType.Int64);
        Assert.Throws<ArgumentException>(() => TimestepEmbedding.Sinusoidal(t, 7));
    }

    [Fact]
    public void SelfAttention_Forward_EqualsExplicitSoftmaxAttention()
    {
        const int heads = 2, headDim = 3, channels = 4;
        random.manual_seed(3);
        using var attention = new SelfAttention(channels, heads, headDim, groups: 2);
        using var scope = NewDisposeScope();
        var x = randn(2, channels, 3, 2);
        var parameters = attention.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach());

        // x + W_o · concat_h softmax(Q_h K_hᵀ / √d) V_h + b_o, written per head with explicit matrices.
        var normed = nn.functional.group_norm(x, 2, parameters["norm.weight"], parameters["norm.bias"]);
        var tokens = normed.flatten(2);                                        // [B, C, N]
        var qkvWeight = parameters["qkv.weight"].flatten(1);                   // [3·heads·d, C]
        var projected = qkvWeight.matmul(tokens);                              // [B, 3·heads·d, N]
        var headOutputs = new List<Tensor>();
        for (int h = 0; h < heads; h++)
        {
            var q = projected[.., (h * headDim)..((h + 1) * headDim)].transpose(1, 2);
            var k = projected[.., ((heads + h) * headDim)..((heads + h + 1) * headDim)].transpose(1, 2);
            var v = projected[.., ((2 * heads + h) * headDim)..((2 * heads + h + 1) * headDim)].transpose(1, 2);
            var weights = softmax(q.matmul(k.transpose(1, 2)) / Math.Sqrt(headDim), dim: -1);
            headOutputs.Add(weights.matmul(v).transpose(1, 2));               // [B, d, N]
        }
        var merged = cat(headOutputs, dim: 1);                                  // [B, heads·d, N]
        var expected = x + (parameters["proj.weight"].flatten(1).matmul(merged) + parameters["proj.bias"].unsqueeze(-1)).reshape(x.shape);

        using (no_grad())
            Assert.True((attention.forward(x) - expected).abs().max().item<float>() < 1e-5f);
    }
}
