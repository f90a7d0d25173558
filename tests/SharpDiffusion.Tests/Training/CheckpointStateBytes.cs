using System.Text;

namespace SharpDiffusion.Tests.Training;

/// <summary>For bitwise resume tests: a checkpoint's bytes after its metadata header (which holds timestamps) and before its hash —
/// model, EMA, optimizer, RNG states and auxiliary networks.</summary>
internal static class CheckpointStateBytes
{
    public static byte[] Of(string checkpoint)
    {
        byte[] bytes = File.ReadAllBytes(checkpoint);
        int headerLength = BitConverter.ToInt32(bytes, 8); // after the 8-byte magic
        Assert.StartsWith("SDCKPT", Encoding.ASCII.GetString(bytes, 0, 8), StringComparison.Ordinal);
        return bytes[(12 + headerLength)..^32];
    }
}
