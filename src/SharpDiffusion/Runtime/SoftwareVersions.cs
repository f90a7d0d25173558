using System.Reflection;
using System.Text.Json.Serialization;
using TorchSharp;

namespace SharpDiffusion.Runtime;

/// <summary>
/// The software that wrote a file (config.json, a checkpoint, an evaluation entry): this library's version and the git
/// commit it was built from, TorchSharp's version, the libtorch version TorchSharp was built against, and how libtorch's
/// oneDNN ran the CPU convolutions. The commit is
/// embedded at build time (the SDK's source-link step appends it to the informational version), so nothing runs git.
/// </summary>
public sealed record SoftwareVersions
{
    private static readonly Lazy<SoftwareVersions> Cached = new(Read);

    /// <summary>SharpDiffusion's version, e.g. 0.1.0.</summary>
    public required string Tool { get; init; }

    /// <summary>The full git commit the library was built from; null for a build outside a git checkout.</summary>
    public string? Commit { get; init; }

    [JsonPropertyName("torchsharp")]
    public required string TorchSharp { get; init; }

    /// <summary>The libtorch release TorchSharp binds (with a CUDA libtorch from a PyTorch install, that install's own).</summary>
    public required string Libtorch { get; init; }

    /// <summary>How oneDNN ran this process's CPU convolutions (version, instruction set, channel padding and why); null in files written before it was recorded.</summary>
    [JsonPropertyName("onednn")]
    public OneDnnSetup? OneDnn { get; init; }

    /// <summary>The versions of this process, read once; loads libtorch (<see cref="NativeRuntime.Initialize"/> with auto) if nothing has yet.</summary>
    public static SoftwareVersions Current => Cached.Value;

    /// <summary>Splits an informational version "0.1.0+&lt;commit&gt;" into the version and the commit.</summary>
    internal static (string Version, string? Commit) ParseInformational(string informational)
    {
        int plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, null) : (informational[..plus], informational[(plus + 1)..]);
    }

    private static SoftwareVersions Read()
    {
        var (tool, commit) = ParseInformational(InformationalVersion(typeof(SoftwareVersions).Assembly));
        var (torchSharp, _) = ParseInformational(InformationalVersion(typeof(torch).Assembly));
        NativeRuntime.EnsureLoaded(); // torch.__version__ runs TorchSharp's static constructor, which loads the native backend
        return new SoftwareVersions { Tool = tool, Commit = commit, TorchSharp = torchSharp, Libtorch = torch.__version__, OneDnn = OneDnnSetup.Current };
    }

    private static string InformationalVersion(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? assembly.GetName().Version?.ToString(3) ?? "unknown";
}
