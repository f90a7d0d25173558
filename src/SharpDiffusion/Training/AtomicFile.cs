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
    /// power loss). Call only while holding the folder's lock, when no other writer can be mid-write. Returns how many.
    /// </summary>
    public static int DeleteLeftovers(string directory)
    {
        if (!Directory.Exists(directory)) return 0;
        int deleted = 0;
        foreach (string temp in Directory.EnumerateFiles(directory, ".*.tmp"))
        {
            string[] parts = Path.GetFileName(temp).Split('.');
            if (parts.Length < 4 || !parts[^2].All(char.IsAsciiDigit)) continue; // not ".{name}.{pid}.tmp"
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
