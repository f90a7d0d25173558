using System.Globalization;
using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Training;

/// <summary>
/// Issue 15 item 2: the run lock between real processes (OS lock), and the owner record that stands in for the OS lock
/// where it may not hold (NFS across nodes): a live holder is never displaced, a dead one is recognised.
/// </summary>
public sealed class RunLockTests : IDisposable
{
    private readonly RunDirectory _run = new(Directory.CreateTempSubdirectory("sd-runlock-").FullName);

    private string LockPath => Path.Combine(_run.Root, RunLock.FileName);

    public void Dispose() => Directory.Delete(_run.Root, recursive: true);

    [Fact]
    public void Acquire_WhileHeldInThisProcess_RefusesAndAfterRelease_Succeeds()
    {
        using (RunLock.Acquire(_run))
        {
            var e = Assert.Throws<RunLockedException>(() => RunLock.Acquire(_run));
            Assert.Contains(_run.Root, e.Message, StringComparison.Ordinal);
        }
        using var again = RunLock.Acquire(_run);
    }

    [Fact]
    public void Acquire_HeldByAnotherProcess_IsRefusedThenGrantedAfterRelease()
    {
        using var holder = TestProcesses.Start("hold-run-lock", _run.Root);
        Assert.Equal("locked", holder.StandardOutput.ReadLine());

        var refused = TestProcesses.Finish(TestProcesses.Start("try-run-lock", _run.Root));
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("is being used by another ddpm process", refused.Stderr, StringComparison.Ordinal);
        Assert.Throws<RunLockedException>(() => RunLock.Acquire(_run)); // and from this process

        holder.StandardInput.WriteLine("release");
        Assert.Equal(0, TestProcesses.Finish(holder).ExitCode);
        var granted = TestProcesses.Finish(TestProcesses.Start("try-run-lock", _run.Root));
        Assert.Equal((0, "acquired"), (granted.ExitCode, granted.Stdout.Trim())); // a clean release leaves no record to take over
        Assert.Equal(0, new FileInfo(LockPath).Length);
    }

    [Fact]
    public void Acquire_HolderKilled_IsGrantedAndNamesTheDeadHolder()
    {
        int pid;
        using (var holder = TestProcesses.Start("hold-run-lock", _run.Root))
        {
            Assert.Equal("locked", holder.StandardOutput.ReadLine());
            pid = holder.Id;
            holder.Kill(); // SIGKILL: no chance to clear the record
            holder.WaitForExit();
        }

        Assert.Equal(pid, LockOwner.TryParse(File.ReadAllText(LockPath))!.Pid);
        var granted = TestProcesses.Finish(TestProcesses.Start("try-run-lock", _run.Root));
        Assert.Equal(0, granted.ExitCode);
        Assert.Contains($"took over pid {pid.ToString(CultureInfo.InvariantCulture)} on {Environment.MachineName}", granted.Stdout, StringComparison.Ordinal);
        Assert.Contains("no longer runs", granted.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Acquire_RecordOfALiveProcessOnThisHost_IsRefusedEvenThoughTheOsLockIsFree()
    {
        // What a second node sees where NFS locks do not reach it: the OS grants the lock, the record names a live holder.
        WriteRecord(LockOwner.Current(DateTimeOffset.UtcNow.AddHours(-5)));
        var e = Assert.Throws<RunLockedException>(() => RunLock.Acquire(_run));
        Assert.Contains($"pid {Environment.ProcessId.ToString(CultureInfo.InvariantCulture)} on {Environment.MachineName}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Acquire_RecordFromAnotherHost_RefusedWhileItsHeartbeatIsFreshTakenOverWhenStale()
    {
        var now = DateTimeOffset.UtcNow;
        var other = new LockOwner("another-node", 4242, "boot/123", now.AddDays(-1), now.AddMinutes(-2));
        WriteRecord(other);
        var e = Assert.Throws<RunLockedException>(() => RunLock.Acquire(_run));
        Assert.Contains("pid 4242 on another-node", e.Message, StringComparison.Ordinal);

        WriteRecord(other with { HeartbeatUtc = now - LockFile.StaleAfter - TimeSpan.FromMinutes(1) });
        using var taken = RunLock.Acquire(_run);
        Assert.Contains("pid 4242 on another-node", taken.TookOverStaleLock, StringComparison.Ordinal);
        Assert.Contains("no heartbeat", taken.TookOverStaleLock, StringComparison.Ordinal);
        Assert.Equal(Environment.ProcessId, LockOwner.TryParse(ReadWhileHeld())!.Pid);
    }

    [Theory]
    [InlineData("reused")]  // this pid now belongs to another process (other start time)
    [InlineData("garbage")] // a torn or foreign file
    [InlineData("legacy")]  // an older ddpm wrote only its pid
    public void Acquire_RecordThatNamesNoLiveProcess_IsTakenOver(string kind)
    {
        string text = kind switch
        {
            "reused" => LockOwner.Current(DateTimeOffset.UtcNow) with { Process = "another-boot/1" } is var r ? r.Serialize() : "",
            "garbage" => "{\"host\": 7, \x01",
            _ => "12345",
        };
        File.WriteAllText(LockPath, text);
        using var taken = RunLock.Acquire(_run);
        Assert.Equal(Environment.ProcessId, LockOwner.TryParse(ReadWhileHeld())!.Pid);
    }

    [Fact]
    public void ProcessIdentity_OfThisProcessAndOfNoProcess()
    {
        Assert.Equal(ProcessIdentity.Current(), ProcessIdentity.Of(Environment.ProcessId));
        Assert.Null(ProcessIdentity.Of(int.MaxValue)); // above Linux's pid_max (4,194,304)
    }

    /// <summary>The record as a user sees it with <c>cat</c> (.NET itself cannot open a file another handle holds the lock on).</summary>
    private string ReadWhileHeld()
    {
        using var cat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("cat", [LockPath]) { RedirectStandardOutput = true })!;
        string text = cat.StandardOutput.ReadToEnd();
        cat.WaitForExit();
        return text;
    }

    private void WriteRecord(LockOwner owner)
    {
        Directory.CreateDirectory(_run.Root);
        File.WriteAllText(LockPath, owner.Serialize());
    }
}
