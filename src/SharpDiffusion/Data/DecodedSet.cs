namespace SharpDiffusion.Data;

/// <summary>
/// A decoded set before it becomes tensors: planar uint8 pixels [Count, Channels, Size, Size] flattened, labels,
/// class names, and the files that had to be skipped.
/// </summary>
internal sealed record DecodedSet(
    byte[] Pixels,
    long[] Labels,
    int Channels,
    int Size,
    IReadOnlyList<string> ClassNames,
    int Skipped,
    IReadOnlyList<string> SkippedExamples)
{
    /// <summary>How many skipped files are named in the report.</summary>
    public const int MaxSkippedExamples = 5;

    public int Count => Labels.Length;
}
