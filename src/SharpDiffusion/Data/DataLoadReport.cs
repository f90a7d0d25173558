namespace SharpDiffusion.Data;

/// <summary>What a load did: images kept, files skipped (with the first few names and why), whether the cache answered.</summary>
/// <param name="Loaded">Images in the dataset.</param>
/// <param name="Skipped">Image files that could not be used (unreadable, truncated, too large).</param>
/// <param name="SkippedExamples">The first few skipped files as "relative/path (reason)".</param>
/// <param name="FromCache">True when the decoded set came from the on-disk cache.</param>
/// <param name="Description">One line for the user: source, layout, count, size.</param>
public sealed record DataLoadReport(int Loaded, int Skipped, IReadOnlyList<string> SkippedExamples, bool FromCache, string Description);
