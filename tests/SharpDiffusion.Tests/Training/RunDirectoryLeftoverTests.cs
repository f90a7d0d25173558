using SharpDiffusion.Training;

namespace SharpDiffusion.Tests.Training;

/// <summary>A SIGKILL during AtomicFile.Write leaves ".{name}.{pid}.tmp" behind (tools/kill-anywhere.sh saw it); the next start removes exactly those.</summary>
public sealed class RunDirectoryLeftoverTests : IDisposable
{
    private readonly RunDirectory _run = new(Directory.CreateTempSubdirectory("sd-leftover-").FullName);

    public void Dispose() => Directory.Delete(_run.Root, recursive: true);

    private static string Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "x");
        return path;
    }

    [Fact]
    public void DeleteLeftoverTempFiles_RemovesOnlyTrainingsOwnAtomicFileTemps()
    {
        string[] leftovers =
        [
            Write(Path.Combine(_run.CheckpointsDir, ".step-000004.ckpt.31337.tmp")),
            Write(Path.Combine(_run.CheckpointsDir, ".latest.12.tmp")),
            Write(Path.Combine(_run.Root, ".log.csv.999.tmp")),
            Write(Path.Combine(_run.SamplesDir, ".step-000004.png.7.tmp")),
        ];
        string[] kept =
        [
            Write(_run.CheckpointPath(2)),
            Write(_run.LatestPointerPath),
            Write(_run.LogPath),
            Write(Path.Combine(_run.Root, ".user-notes.tmp")),       // no pid part: not ours
            Write(Path.Combine(_run.CheckpointsDir, ".a.b.tmp")),   // "b" is not a pid
            // Files of commands that run beside training (ddpm eval, ddpm sample): they may be mid-write right now.
            Write(Path.Combine(_run.Root, ".evaluation_results.json.555.tmp")),
            Write(Path.Combine(_run.Root, ".memorization-step-000004.png.556.tmp")),
            Write(Path.Combine(_run.SamplesDir, ".sample-000004-ddim50.png.557.tmp")),
        ];
        // A real AtomicFile write of this process leaves nothing for the sweep to find.
        AtomicFile.WriteAllText(Path.Combine(_run.Root, "config.json"), "{}");

        Assert.Equal(leftovers.Length, _run.DeleteLeftoverTempFiles());

        Assert.All(leftovers, p => Assert.False(File.Exists(p), p));
        Assert.All(kept, p => Assert.True(File.Exists(p), p));
        Assert.Equal(0, _run.DeleteLeftoverTempFiles());
    }
}
