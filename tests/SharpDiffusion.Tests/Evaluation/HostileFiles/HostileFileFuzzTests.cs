namespace SharpDiffusion.Tests.Evaluation.HostileFiles;

/// <summary>
/// Issue 15 item 6: files from outside (features, statistics, weights) fail with a clear error, within bounded memory, and
/// nothing in them is executed. One harness for every reader of <see cref="HostileFileReaders"/>.
/// </summary>
public sealed class HostileFileFuzzTests : IDisposable
{
    /// <summary>Managed bytes one input may make a reader allocate: the valid inputs are a few kB, so a reader that trusts a
    /// lying size blows far past this.</summary>
    public const long MemoryBudget = 64L << 20;

    private const int MutationsPerReader = 300;

    private readonly string _dir = Directory.CreateTempSubdirectory("sd-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> Readers() => new(HostileFileReaders.All.Select(r => r.Name));

    private static HostileFileReader ReaderNamed(string name) => HostileFileReaders.All.Single(r => r.Name == name);

    [Theory]
    [MemberData(nameof(Readers))]
    public void ValidFile_Reads(string name)
    {
        var reader = ReaderNamed(name);
        reader.Read(Write(reader, "valid", reader.ValidFile())); // the harness tests something: a good file is accepted
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void CraftedHostileInputs_EachFailsWithAClearErrorInBoundedMemory(string name)
    {
        var reader = ReaderNamed(name);
        Assert.NotEmpty(reader.Crafted);
        foreach (var (caseName, bytes) in reader.Crafted)
        {
            var outcome = Attempt(reader, caseName, bytes);
            Assert.True(outcome is not null, $"{name}: '{caseName}' was accepted");
        }
        Assert.False(File.Exists(HostileFileReaders.PwnedMarker), "a pickle ran a command");
    }

    [Theory]
    [MemberData(nameof(Readers))]
    public void SeededMutations_ReadOrFailWithAClearErrorInBoundedMemory(string name)
    {
        var reader = ReaderNamed(name);
        int rejected = 0;
        foreach (var (caseName, bytes) in HostileFileMutations.Of(reader.ValidFile(), MutationsPerReader, seed: 15))
            if (Attempt(reader, caseName, bytes) is not null) rejected++;
        Assert.True(rejected >= MutationsPerReader / 4, $"{name}: only {rejected} of {MutationsPerReader} mutations rejected; the fuzzer tests nothing");
    }

    /// <summary>Reads one input; returns the clear error it failed with, null when it read. Fails the test on any other exception or on too much memory.</summary>
    private Exception? Attempt(HostileFileReader reader, string caseName, byte[] bytes)
    {
        string path = Write(reader, "input", bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Exception? error = null;
        try
        {
            reader.Read(path);
        }
        catch (Exception e)
        {
            error = e;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < MemoryBudget, $"{reader.Name}: '{caseName}' allocated {allocated >> 20} MiB");
        if (error is null) return null;
        Assert.True(reader.ClearErrors.Any(t => t.IsInstanceOfType(error)), $"{reader.Name}: '{caseName}' threw {error.GetType().Name}: {error.Message}");
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        return error;
    }

    private string Write(HostileFileReader reader, string stem, byte[] bytes)
    {
        string path = Path.Combine(_dir, stem + reader.Extension);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
