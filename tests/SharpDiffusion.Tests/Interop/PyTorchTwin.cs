using System.Diagnostics;

namespace SharpDiffusion.Tests.Interop;

/// <summary>Debian's PyTorch (/usr/bin/python3 with torch), when this machine has it, running bench/pytorch_reference.py.</summary>
internal static class PyTorchTwin
{
    public const string Python = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Python)) return $"{Python} does not exist (apt-get install python3-torch python3-numpy)";
        var (code, _, error) = Run("-c", "import torch, numpy");
        return code == 0 ? null : $"{Python} has no torch/numpy ({error.Trim().Split('\n')[^1]})";
    });

    /// <summary>Why the twin cannot run here, or null when it can.</summary>
    public static string? WhyUnavailable => Missing.Value;

    public static string Script => Path.Combine(RepositoryRoot(), "bench", "pytorch_reference.py");

    public static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["OMP_NUM_THREADS"] = "2";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"python3 {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SharpDiffusion.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("the repository root (SharpDiffusion.sln) is not above the test binaries");
    }
}

/// <summary>A fact that runs only where Debian's PyTorch is installed, and is reported skipped, with the reason, elsewhere.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PyTorchFactAttribute : FactAttribute
{
    public PyTorchFactAttribute()
    {
        if (PyTorchTwin.WhyUnavailable is string reason) Skip = $"needs Debian's PyTorch: {reason}";
    }
}
