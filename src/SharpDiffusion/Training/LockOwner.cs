using System.Text.Json;

namespace SharpDiffusion.Training;

/// <summary>
/// Who holds a lock file, as its holder writes it into the file: host, pid, the process's identity (pid reuse cannot fake
/// it), when it took the lock and when it last said it is alive (<see cref="LockFile.HeartbeatInterval"/>).
/// </summary>
public sealed record LockOwner(string Host, int Pid, string Process, DateTimeOffset StartedUtc, DateTimeOffset HeartbeatUtc)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>This process, starting now.</summary>
    public static LockOwner Current(DateTimeOffset now) => new(Environment.MachineName, Environment.ProcessId, ProcessIdentity.Current(), now, now);

    public string Serialize() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>The record in a lock file's text; null when it is empty (released cleanly) or not a record (torn, or written by an older ddpm).</summary>
    public static LockOwner? TryParse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try
        {
            var owner = JsonSerializer.Deserialize<LockOwner>(text, Json);
            return owner is { Host: not null, Process: not null } ? owner : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the holder is certainly or very probably gone. On this host it is certain: the process with that pid and
    /// identity no longer runs. On another host we cannot look: a live holder refreshes its heartbeat every minute, so one
    /// older than <paramref name="staleAfter"/> means it died (or is frozen, or the hosts' clocks disagree by that much).
    /// </summary>
    public bool IsStale(DateTimeOffset now, TimeSpan staleAfter, out string reason)
    {
        if (Host == Environment.MachineName)
        {
            bool alive = ProcessIdentity.Of(Pid) == Process;
            reason = alive ? "" : $"pid {Pid} no longer runs on {Host}";
            return !alive;
        }

        var silent = now - HeartbeatUtc;
        bool stale = silent > staleAfter;
        reason = stale ? $"no heartbeat from {Host} for {silent.TotalMinutes:F0} min" : "";
        return stale;
    }

    /// <summary>"pid 123 on node7 since 2026-12-01 19:30:00Z".</summary>
    public string Describe() => $"pid {Pid} on {Host} since {StartedUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z";
}
