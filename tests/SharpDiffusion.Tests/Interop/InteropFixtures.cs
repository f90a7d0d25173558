using SharpDiffusion.Evaluation;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

/// <summary>Paths of the PyTorch-made fixtures (tools/interop_fixture.py; Interop/Fixtures/README.md) and the probe input.</summary>
internal static class InteropFixtures
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Interop", "Fixtures");
    public static string TrainerCheckpoint => Path.Combine(Folder, "ddp-trainer", "model-1234.pt");
    public static string DdpmExport => Path.Combine(Folder, "ddpm-export");

    public static Tensor Npy(params string[] path) => NpyFile.Read(Path.Combine([Folder, .. path]));

    /// <summary>bench/pytorch_reference.py probe_input: x[b, c, h, w] = sin(0.37 (1 + 7b + 5c + 3h + w)), t_b = b (T − 1) / (B − 1).</summary>
    public static (Tensor X, Tensor T) ProbeInput(int batch, int channels, int size, int timesteps)
    {
        var values = new float[batch * channels * size * size];
        int i = 0;
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
                for (int h = 0; h < size; h++)
                    for (int w = 0; w < size; w++)
                        values[i++] = (float)Math.Sin(0.37 * (1 + 7 * b + 5 * c + 3 * h + w));
        var t = Enumerable.Range(0, batch).Select(b => (long)(b * (timesteps - 1) / Math.Max(batch - 1, 1))).ToArray();
        return (tensor(values).reshape(batch, channels, size, size), tensor(t));
    }

    public static double MaxAbsDifference(Tensor a, Tensor b) => (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max().item<double>();

    public static string TempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "sd-interop-" + Guid.NewGuid().ToString("N")[..12]);
        return folder;
    }
}
