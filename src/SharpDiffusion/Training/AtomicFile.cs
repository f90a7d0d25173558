namespace SharpDiffusion.Training;

/// <summary>Writes a file so that readers see either the old complete file or the new complete one, never part of one.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true); // the data must be on disk before the rename makes it visible
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>
    /// Deletes temp files of this class's naming left in <paramref name="directory"/> by a process that died mid-write (SIGKILL,
    /// power loss), for the targets <paramref name="ownsTarget"/> accepts (by file name; default all). Call only while holding
    /// the lock that every writer of those targets holds, so none of them can be mid-write; with <paramref name="olderThan"/>,
    /// only temp files not touched for that long (for targets written outside any lock). Returns how many.
    /// </summary>
    public static int DeleteLeftovers(string directory, Func<string, bool>? ownsTarget = null, TimeSpan? olderThan = null)
    {
        if (!Directory.Exists(directory)) return 0;
        int deleted = 0;
        foreach (string temp in Directory.EnumerateFiles(directory, ".*.tmp"))
        {
            string name = Path.GetFileName(temp);
            string[] parts = name.Split('.');
            if (parts.Length < 4 || parts[^2].Length == 0 || !parts[^2].All(char.IsAsciiDigit)) continue; // not ".{name}.{pid}.tmp"
            string target = name[1..^(parts[^2].Length + ".tmp".Length + 1)];
            if (ownsTarget is not null && !ownsTarget(target)) continue;
            if (olderThan is TimeSpan age && DateTime.UtcNow - File.GetLastWriteTimeUtc(temp) < age) continue;
            TryDelete(temp);
            deleted++;
        }
        return deleted;
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(text);
        });

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Leave the temp file: it never shadows a good file, and the next write replaces it.
        }
    }
}
