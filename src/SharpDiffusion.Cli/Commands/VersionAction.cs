using System.CommandLine;
using System.CommandLine.Invocation;
using SharpDiffusion.Runtime;

namespace SharpDiffusion.Cli.Commands;

/// <summary><c>ddpm --version</c>: the tool with its git commit, TorchSharp, libtorch and its oneDNN setup (what checkpoints and config.json record).</summary>
internal sealed class VersionAction : SynchronousCommandLineAction
{
    public static void Attach(RootCommand root) => root.Options.OfType<VersionOption>().Single().Action = new VersionAction();

    public override int Invoke(ParseResult parseResult)
    {
        var v = SoftwareVersions.Current;
        Console.WriteLine(v.Commit is null ? $"ddpm (SharpDiffusion) {v.Tool}" : $"ddpm (SharpDiffusion) {v.Tool}, commit {v.Commit}");
        Console.WriteLine($"TorchSharp {v.TorchSharp}");
        Console.WriteLine($"libtorch {v.Libtorch}");
        if (v.OneDnn is { } oneDnn) Console.WriteLine(oneDnn.Describe());
        return 0;
    }
}
