namespace SharpDiffusion.Training;

/// <summary>
/// Exclusive use of a run folder by one process (an OS file lock on <c>run.lock</c>, released by the kernel even when the
/// process is killed), so two trainers can never interleave checkpoints and log rows in one run.
/// </summary>
public sealed class RunLock : IDisposable
{
    private readonly FileStream _stream;

    private RunLock(FileStream stream) => _stream = stream;

    public static RunLock Acquire(RunDirectory run)
    {
        Directory.CreateDirectory(run.Root);
        string path = Path.Combine(run.Root, "run.lock");
        try
        {
            // FileShare.None takes an exclusive advisory lock on Unix; a second process gets an IOException at once.
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            stream.SetLength(0);
            using (var writer = new StreamWriter(stream, leaveOpen: true)) writer.Write(Environment.ProcessId);
            stream.Flush();
            return new RunLock(stream);
        }
        catch (IOException)
        {
            throw new RunLockedException($"{run.Root} is being used by another ddpm process (see its run.lock); wait for it to finish or pass another --out.");
        }
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>Another process holds the run folder.</summary>
public sealed class RunLockedException(string message) : Exception(message);
