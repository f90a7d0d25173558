using System.Buffers.Binary;

namespace SharpDiffusion.Tests.Evaluation.HostileFiles;

/// <summary>Seeded, reader-agnostic damage to a valid file: truncations, bit flips, lying lengths, garbage runs.</summary>
internal static class HostileFileMutations
{
    /// <summary><paramref name="count"/> mutations of <paramref name="valid"/>, the same for the same seed.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> Of(byte[] valid, int count, int seed)
    {
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            byte[] bytes = (byte[])valid.Clone();
            int at = random.Next(bytes.Length);
            switch (i % 5)
            {
                case 0: // cut anywhere
                    yield return ($"truncated at {at}", bytes[..at]);
                    continue;
                case 1: // a few flipped bits
                    for (int f = 0; f < 1 + random.Next(8); f++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                    yield return ($"bit flips #{i}", bytes);
                    continue;
                case 2: // a length field (or anything) replaced by a huge or negative 32-bit value
                    if (at + 4 <= bytes.Length) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), random.Next(2) == 0 ? int.MaxValue : -random.Next(1, 1000));
                    yield return ($"int32 at {at}", bytes);
                    continue;
                case 3: // the same with 64 bits
                    if (at + 8 <= bytes.Length) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), random.Next(2) == 0 ? long.MaxValue : 1L << random.Next(31, 62));
                    yield return ($"int64 at {at}", bytes);
                    continue;
                default: // a run of 0xFF or of digits (text headers: "shape" sizes)
                    byte fill = random.Next(2) == 0 ? (byte)0xFF : (byte)'9';
                    for (int j = at; j < Math.Min(bytes.Length, at + 1 + random.Next(16)); j++) bytes[j] = fill;
                    yield return ($"run of 0x{fill:x2} at {at}", bytes);
                    continue;
            }
        }
    }
}
