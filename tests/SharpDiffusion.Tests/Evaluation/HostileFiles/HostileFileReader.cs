namespace SharpDiffusion.Tests.Evaluation.HostileFiles;

/// <summary>
/// One reader of files a user (or someone else) hands us, under fuzz: how to make a valid file, how to read one as the
/// command does, which exception types count as a clear error, and hand-made hostile inputs (each a name and its bytes).
/// Every reader gets the same treatment in <see cref="HostileFileFuzzTests"/>: the valid file reads, every crafted input and
/// every seeded mutation either reads or fails with one of <see cref="ClearErrors"/>, within <see cref="HostileFileFuzzTests.MemoryBudget"/>.
/// </summary>
/// <param name="Name">Shown in test names and docs/RELIABILITY.md.</param>
/// <param name="Extension">File extension the reader expects (some readers dispatch on it).</param>
/// <param name="ValidFile">A valid input.</param>
/// <param name="Read">Reads the file at the path the way the command does, disposing whatever it returns.</param>
/// <param name="ClearErrors">Exception types that carry a user-facing sentence (the CLI prints them as one line, exit 2).</param>
/// <param name="Crafted">Hostile inputs made by hand: lying sizes, forbidden contents.</param>
public sealed record HostileFileReader(
    string Name, string Extension, Func<byte[]> ValidFile, Action<string> Read, IReadOnlyList<Type> ClearErrors,
    IReadOnlyList<(string Name, byte[] Bytes)> Crafted)
{
    public override string ToString() => Name;
}
