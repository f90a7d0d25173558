using System.Text;
using SharpDiffusion.Training;

namespace SharpDiffusion.Data;

/// <summary>
/// The decoded set on disk as &lt;cacheDir&gt;/&lt;content hash&gt;.bin, so a second run skips decoding. Layout (little-endian):
/// magic, version, count, channels, size, class names, skipped count and examples, int64 labels, uint8 pixels.
/// </summary>
internal static class DatasetCache
{
    private const string Magic = "SDDSCACH";
    private const int Version = 1;

    public static string PathFor(string cacheDir, string contentHash) => Path.Combine(cacheDir, contentHash + ".bin");

    /// <summary>The cached set, or null when there is none or it is damaged or does not match the expected shape.</summary>
    public static DecodedSet? TryRead(string path, int expectedChannels, int expectedSize)
    {
        if (!File.Exists(path))
            return null;
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length)) != Magic || reader.ReadInt32() != Version)
                return null;
            var count = reader.ReadInt32();
            var channels = reader.ReadInt32();
            var size = reader.ReadInt32();
            if (channels != expectedChannels || size != expectedSize || count < 0)
                return null;
            var classNames = ReadStrings(reader);
            var skipped = reader.ReadInt32();
            var examples = ReadStrings(reader);

            var labels = new long[count];
            for (var i = 0; i < count; i++)
                labels[i] = reader.ReadInt64();
            var pixelCount = checked(count * channels * size * size);
            var pixels = reader.ReadBytes(pixelCount);
            if (pixels.Length != pixelCount || reader.BaseStream.Position != reader.BaseStream.Length)
                return null;
            if (labels.Any(l => l < 0 || l >= classNames.Count))
                return null;
            return new DecodedSet(pixels, labels, channels, size, classNames, skipped, examples);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or OverflowException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>A cache write takes seconds; a temp file untouched this long was left by a killed process.</summary>
    private static readonly TimeSpan AbandonedWriteAge = TimeSpan.FromHours(1);

    /// <summary>
    /// Writes atomically (<see cref="AtomicFile"/>), so a crash never leaves a half-written cache entry, after removing temp
    /// files of entries abandoned by killed processes (several processes may fill one cache at once, so only old ones).
    /// </summary>
    public static void Write(string path, DecodedSet set)
    {
        AtomicFile.DeleteLeftovers(Path.GetDirectoryName(Path.GetFullPath(path))!, name => name.EndsWith(".bin", StringComparison.Ordinal), AbandonedWriteAge);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Encoding.ASCII.GetBytes(Magic));
            writer.Write(Version);
            writer.Write(set.Count);
            writer.Write(set.Channels);
            writer.Write(set.Size);
            WriteStrings(writer, set.ClassNames);
            writer.Write(set.Skipped);
            WriteStrings(writer, set.SkippedExamples);
            foreach (var label in set.Labels)
                writer.Write(label);
            writer.Write(set.Pixels);
        });
    }

    private static List<string> ReadStrings(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        if (count is < 0 or > 1_000_000)
            throw new IOException("Implausible string count in cache file.");
        var strings = new List<string>(count);
        for (var i = 0; i < count; i++)
            strings.Add(reader.ReadString());
        return strings;
    }

    private static void WriteStrings(BinaryWriter writer, IReadOnlyList<string> strings)
    {
        writer.Write(strings.Count);
        foreach (var s in strings)
            writer.Write(s);
    }
}
