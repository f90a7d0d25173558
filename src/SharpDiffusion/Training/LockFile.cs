using System.Text;

namespace SharpDiffusion.Training;

/// <summary>
/// An exclusive lock on a file that holds across processes and, as far as the filesystem allows, across hosts
/// (docs/RELIABILITY.md, "Locks"). Two layers:
/// <list type="number">
/// <item>an OS lock (flock through <see cref="FileShare.None"/>), released by the kernel when the holder dies; on NFS it
/// holds across nodes only where the server's lock manager works (NFSv4, or v3 with lockd);</item>
/// <item>an owner record inside the file (<see cref="LockOwner"/>: host, pid, process identity, start, heartbeat),
/// cleared on release. A record left by a holder that is gone (<see cref="LockOwner.IsStale"/>) is taken over; a record of
/// a live holder is never taken, even when the OS lock was granted (a mount whose OS locks do not reach other nodes).</item>
/// </list>
/// </summary>
public sealed class LockFile : IDisposable
{
    /// <summary>How often a holder rewrites its record's heartbeat.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMinutes(1);

    /// <summary>A record from another host whose heartbeat is older than this is taken to be left by a dead process.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    private readonly FileStream _stream;
    private readonly Timer _heartbeat;
    private readonly Lock _write = new();
    private LockOwner _owner;
    private bool _disposed;

    private LockFile(string path, FileStream stream, LockOwner owner, LockOwner? tookOverFrom, string? staleReason)
    {
        Path = path;
        _stream = stream;
        _owner = owner;
        TookOverFrom = tookOverFrom;
        StaleReason = staleReason;
        WriteRecord();
        _heartbeat = new Timer(_ => Beat(), null, HeartbeatInterval, HeartbeatInterval);
    }

    public string Path { get; }

    /// <summary>A stale record this lock replaced (a holder that died without releasing), if any, and why it was stale.</summary>
    public LockOwner? TookOverFrom { get; }

    public string? StaleReason { get; }

    /// <summary>Takes the lock if nobody live holds it; otherwise returns null and the holder, when its record can be read.</summary>
    public static LockFile? TryAcquire(string path, out LockOwner? holder)
    {
        path = System.IO.Path.GetFullPath(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not (DirectoryNotFoundException or FileNotFoundException or PathTooLongException))
        {
            holder = null; // the OS lock is held by a live process; its record cannot be read while it is
            return null;
        }

        try
        {
            var now = DateTimeOffset.UtcNow;
            var previous = LockOwner.TryParse(ReadAll(stream));
            string? reason = null;
            if (previous is not null && !previous.IsStale(now, StaleAfter, out reason))
            {
                stream.Dispose();
                holder = previous;
                return null;
            }

            holder = null;
            return new LockFile(path, stream, LockOwner.Current(now), previous, reason);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for the lock, polling, for at most <paramref name="timeout"/>; for locks held briefly (a read-modify-write).
    /// Throws <see cref="LockTimeoutException"/> naming the holder when it is not granted in time.
    /// </summary>
    public static LockFile Acquire(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var wait = TimeSpan.FromMilliseconds(5);
        while (true)
        {
            if (TryAcquire(path, out var holder) is { } taken) return taken;
            if (DateTime.UtcNow >= deadline)
                throw new LockTimeoutException(
                    $"{path} was held for more than {timeout.TotalSeconds:F0} s by {holder?.Describe() ?? "another process"}; if that process is gone, delete the file and try again.");
            Thread.Sleep(wait);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromMilliseconds(200).Ticks));
        }
    }

    /// <summary>Clears the record (a clean release leaves none behind) and releases the OS lock.</summary>
    public void Dispose()
    {
        lock (_write)
        {
            if (_disposed) return;
            _disposed = true;
        }

        _heartbeat.Dispose();
        try
        {
            _stream.SetLength(0);
            _stream.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // A full disk or a vanished folder: the record stays and is recognised as stale later.
        }
        finally
        {
            _stream.Dispose();
        }
    }

    private void Beat()
    {
        lock (_write)
        {
            if (_disposed) return;
            _owner = _owner with { HeartbeatUtc = DateTimeOffset.UtcNow };
            try
            {
                WriteRecord();
            }
            catch (IOException)
            {
                // A missed heartbeat only brings the stale point closer; the next one retries.
            }
        }
    }

    private void WriteRecord()
    {
        byte[] record = Encoding.UTF8.GetBytes(_owner.Serialize());
        _stream.SetLength(0);
        _stream.Position = 0;
        _stream.Write(record);
        _stream.Flush(flushToDisk: true); // on NFS this is what makes the record visible to other nodes
    }

    private static string ReadAll(FileStream stream)
    {
        if (stream.Length > 64 << 10) return ""; // not a record of ours
        stream.Position = 0;
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        return reader.ReadToEnd();
    }
}

/// <summary>A lock held briefly by others was not granted in time.</summary>
public sealed class LockTimeoutException(string message) : IOException(message);
