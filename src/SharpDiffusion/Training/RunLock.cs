namespace SharpDiffusion.Training;

/// <summary>
/// Exclusive use of a run folder by one process (<c>run.lock</c>, a <see cref="LockFile"/>: an OS lock plus a record of
/// host, pid and start time), so two trainers can never interleave checkpoints and log rows in one run. Evaluation does not
/// take it: it writes only its own files, under <c>evaluation.lock</c>.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = "run.lock";

    private readonly LockFile _lock;

    private RunLock(LockFile held) => _lock = held;

    /// <summary>A stale record of a holder that died, replaced by this lock (the caller may say so), or null.</summary>
    public string? TookOverStaleLock => _lock.TookOverFrom is { } previous ? $"{previous.Describe()} ({_lock.StaleReason})" : null;

    public static RunLock Acquire(RunDirectory run)
    {
        Directory.CreateDirectory(run.Root);
        string path = Path.Combine(run.Root, FileName);
        if (LockFile.TryAcquire(path, out var holder) is { } held) return new RunLock(held);
        string who = holder is null ? $"another ddpm process (`cat {path}` names it)" : $"another ddpm process ({holder.Describe()})";
        throw new RunLockedException($"{run.Root} is being used by {who}; wait for it to finish or pass another --out. If it is gone, delete {path}.");
    }

    public void Dispose() => _lock.Dispose();
}

/// <summary>Another process holds the run folder.</summary>
public sealed class RunLockedException(string message) : Exception(message);
