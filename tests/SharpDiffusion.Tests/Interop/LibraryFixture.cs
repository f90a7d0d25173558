using System.IO.Compression;
using SharpDiffusion.Evaluation;
using static TorchSharp.torch;

namespace SharpDiffusion.Tests.Interop;

/// <summary>Files written by denoising-diffusion-pytorch 2.2.5 itself (Interop/Fixtures/ddp-2.2.5/README.md).</summary>
internal static class LibraryFixture
{
    public static string Folder => Path.Combine(InteropFixtures.Folder, "ddp-2.2.5");
    public static string Results => Path.Combine(Folder, "results");
    public static string Model1 => Path.Combine(Results, "model-1.pt");
    public static string Model2 => Path.Combine(Results, "model-2.pt");
    public static string T400 => Path.Combine(Folder, "t400", "model-1.pt");

    /// <summary>Every array of an .npz written by numpy.savez, by name.</summary>
    public static Dictionary<string, Tensor> Npz(string name)
    {
        using var zip = ZipFile.OpenRead(Path.Combine(Folder, name));
        var arrays = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            string key = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
            using var stream = entry.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            try
            {
                arrays[key] = NpyFile.Read(copy, entry.FullName, integers: true);
            }
            catch (InvalidDataException)
            {
                // string members (the checkpoint name) are not numeric arrays; the tests do not need them
            }
        }
        return arrays;
    }

    public static double[] Doubles(Tensor t) => t.to_type(ScalarType.Float64).data<double>().ToArray();
}
