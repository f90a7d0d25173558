using System.Text;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Evaluation;

/// <summary>
/// The deterministic weights of tools/inception_fixture.py (formula_tensor), regenerated bit for bit: for tensor
/// <c>key</c>, value i is v = 2u − 1 with u the top 53 bits of one SplitMix64 finalisation of
/// fnv1a64(key) xor (i · 0xD1B54A32D192ED03), then scaled by the tensor's role. A hash rather than sin/cos of the flat
/// index because sin(a·i + b) makes every filter a shifted copy of one wave, so each layer would have rank 2.
/// </summary>
internal static class FormulaWeights
{
    public static void Fill(nn.Module module)
    {
        using var noGrad = no_grad();
        foreach (var (key, tensor) in module.state_dict())
        {
            if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            {
                tensor.zero_();
                continue;
            }

            using var values = tensor_from(key, tensor.shape);
            tensor.copy_(values);
        }
    }

    private static Tensor tensor_from(string key, long[] shape)
    {
        var n = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[n];
        var hash = Fnv1a64(key);
        double scale, offset;
        if (key.EndsWith("bn.weight", StringComparison.Ordinal) || key.EndsWith("bn.running_var", StringComparison.Ordinal))
        {
            (scale, offset) = (0.1, 1.0);
        }
        else if (key.EndsWith(".bias", StringComparison.Ordinal) || key.EndsWith("running_mean", StringComparison.Ordinal))
        {
            (scale, offset) = (0.1, 0.0);
        }
        else
        {
            var fanIn = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            var gain = key.EndsWith("conv.weight", StringComparison.Ordinal) ? 6.0 : 3.0;
            (scale, offset) = (Math.Sqrt(gain / fanIn), 0.0);
        }

        for (long i = 0; i < n; i++)
        {
            var v = Uniform(hash, (ulong)i);
            data[i] = (float)(offset == 0.0 ? v * scale : offset + (scale * v));
        }

        return tensor(data, shape);
    }

    private static double Uniform(ulong hash, ulong i)
    {
        unchecked
        {
            var z = (hash ^ (i * 0xD1B54A32D192ED03UL)) + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            return (2.0 * ((z >> 11) * (1.0 / (1UL << 53)))) - 1.0;
        }
    }

    private static ulong Fnv1a64(string text)
    {
        unchecked
        {
            var h = 0xCBF29CE484222325UL;
            foreach (var b in Encoding.UTF8.GetBytes(text))
            {
                h = (h ^ b) * 0x100000001B3UL;
            }

            return h;
        }
    }
}
