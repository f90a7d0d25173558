using System.Security.Cryptography;
using System.Text;

namespace SharpDiffusion.Data;

/// <summary>SHA-256 over a sequence of length-prefixed fields, so that ("ab", "c") and ("a", "bc") hash differently.</summary>
internal sealed class ContentHasher : IDisposable
{
    /// <summary>Bump when the decoded output for the same inputs changes (resampler, compositing, drawing), to invalidate old caches.</summary>
    public const int FormatVersion = 1;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public ContentHasher(string sourceKind)
    {
        Add("sharpdiffusion-data");
        Add(FormatVersion);
        Add(sourceKind);
    }

    public void Add(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Add(bytes.Length);
        _hash.AppendData(bytes);
    }

    public void Add(long value) => _hash.AppendData(BitConverter.GetBytes(value));

    /// <summary>Adds the file's SHA-256 and length; an unreadable file adds a marker instead (it will be skipped when decoding).</summary>
    public void AddFileContent(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            Add(stream.Length);
            _hash.AppendData(SHA256.HashData(stream));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Add("unreadable");
        }
    }

    public string Finish() => Convert.ToHexStringLower(_hash.GetHashAndReset());

    public void Dispose() => _hash.Dispose();
}
