using System.Text;

namespace SharpDiffusion.Runtime;

/// <summary>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> was linked on a newer Ubuntu and requires <c>GLIBCXX_3.4.32</c>,
/// which Debian 12's libstdc++ lacks. Its only symbol of that version is GCC 13's iostream-init marker
/// (<c>_ZSt21ios_base_library_initv</c>), used by no relocation, so marking the requirement weak in the copy
/// beside the application is safe. The NuGet cache copy is never touched.
/// </summary>
public static class LibStdCxxCompatibility
{
    public const string RequiredVersion = "GLIBCXX_3.4.32";

    /// <summary>Patches <paramref name="library"/> in place (atomically) when the running process's libstdc++ lacks the version.</summary>
    /// <returns>A short description of what was done, for verbose logs.</returns>
    public static string EnsureLoadable(string library)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(library)) return "not needed";
        string? libstdcxx = LoadedLibStdCxxPath();
        if (libstdcxx is not null && FileContains(libstdcxx, RequiredVersion)) return "system libstdc++ is new enough";

        byte[] bytes = File.ReadAllBytes(library);
        var outcome = ElfVersionNeedPatcher.MarkWeak(bytes, RequiredVersion);
        if (outcome != ElfVersionNeedPatcher.Outcome.Patched) return outcome.ToString();

        // Write beside it and rename: a concurrent process either sees the old or the new file, never half of one.
        string temp = $"{library}.{Environment.ProcessId}.tmp";
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.SetUnixFileMode(temp, File.GetUnixFileMode(library));
            File.Move(temp, library, overwrite: true);
        }
        catch (UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new NativeRuntimeException(
                $"{library} needs a one-time compatibility patch for this system's libstdc++ but its folder is read-only; run the tool once from a writable copy or install libstdc++ from GCC 13 or newer.");
        }
        return "patched";
    }

    /// <summary>The libstdc++ that the .NET runtime itself already mapped (libcoreclr links it), read from /proc/self/maps.</summary>
    private static string? LoadedLibStdCxxPath()
    {
        const string maps = "/proc/self/maps";
        if (!File.Exists(maps)) return null;
        foreach (string line in File.ReadLines(maps))
        {
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0 && line.Contains("libstdc++.so", StringComparison.Ordinal)) return line[slash..].Trim();
        }
        return null;
    }

    private static bool FileContains(string path, string text)
    {
        byte[] needle = Encoding.ASCII.GetBytes(text);
        return File.ReadAllBytes(path).AsSpan().IndexOf(needle) >= 0;
    }
}
