using System.Runtime.InteropServices;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace SharpDiffusion.Runtime;

/// <summary>
/// How libtorch's oneDNN runs CPU convolutions in this process: its version, the instruction set it dispatches to, and
/// whether <see cref="Models.BlockAlignedConvolution"/> pads channel counts to the SIMD block, with the reason. Written into
/// config.json and checkpoints (inside <see cref="SoftwareVersions"/>) and shown by <c>ddpm --version</c> and the train banner.
/// </summary>
/// <remarks>
/// The padding applies only where oneDNN's cache-size bug can occur (issue 20; docs/architecture.md, "Native runtime"):
/// a bundled oneDNN older than 3.8, an AMD CPU whose cache-topology leaf reports no cache
/// (<see cref="CacheTopologyReport.HidesCacheSizes"/>), and an instruction set that blocks channels (AVX and up). Everywhere
/// else convolutions run unchanged at the full instruction set. <c>ONEDNN_MAX_CPU_ISA</c> is the user's and is never set here.
/// </remarks>
public sealed record OneDnnSetup
{
    /// <summary>Forces the channel padding on or off (<c>on</c>, <c>off</c>; <c>auto</c> or unset decides from the host): for tests and diagnosis.</summary>
    public const string PaddingVariable = "SHARPDIFFUSION_CONV_CHANNEL_PADDING";

    /// <summary>oneDNN's variable for capping its instruction set.</summary>
    public const string IsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>What <see cref="Isa"/> says on a CPU outside x86 (or without SSE4.1), where oneDNN's x86 levels do not apply.</summary>
    public const string NotX86 = "no x86 level";

    /// <summary>The first oneDNN release whose Xbyak handles a zero cache-topology leaf (Xbyak 7.23.1).</summary>
    public static readonly Version FixedIn = new(3, 8);

    /// <summary>The bundled oneDNN's version as libtorch reports it, e.g. 3.7.1; null when it could not be read.</summary>
    [JsonPropertyName("version")]
    public string? Version { get; init; }

    /// <summary>The instruction set oneDNN dispatches to, as <c>ONEDNN_MAX_CPU_ISA</c> names it.</summary>
    public required string Isa { get; init; }

    /// <summary>What set <see cref="Isa"/>: "cpu" (its best), or "ONEDNN_MAX_CPU_ISA=…" when the user capped it.</summary>
    public required string IsaSource { get; init; }

    /// <summary>The channel multiple convolutions are padded to, or 0 when they run unchanged.</summary>
    public required int ChannelPadding { get; init; }

    /// <summary>Why <see cref="ChannelPadding"/> is on or off, in one sentence.</summary>
    public required string Reason { get; init; }

    /// <summary>One line for <c>ddpm --version</c> and the train banner.</summary>
    public string Describe() =>
        $"oneDNN {Version ?? "(version unknown)"} at {Isa}{(IsaSource == "cpu" ? "" : $" ({IsaSource})")}; " +
        (ChannelPadding > 0 ? $"channel padding to multiples of {ChannelPadding} ON: {Reason}" : $"channel padding off: {Reason}");

    private static readonly Lock Gate = new();
    private static OneDnnSetup? _current;

    /// <summary>The setup of this process; decided once, when libtorch is first loaded (<see cref="NativeRuntime"/>).</summary>
    public static OneDnnSetup Current
    {
        get
        {
            NativeRuntime.EnsureLoaded();
            lock (Gate) return _current ?? throw new InvalidOperationException("oneDNN setup read before libtorch was loaded.");
        }
    }

    /// <summary>The channel multiple of <see cref="Current"/>, read on every convolution without locking: 0 until decided.</summary>
    internal static int ActiveChannelPadding { get; private set; }

    /// <summary>Decides the setup for this process (once) and prints a warning for a variable it cannot read.</summary>
    internal static void DecideOnce(Action<string> warn)
    {
        lock (Gate)
        {
            if (_current is not null) return;
            string? userIsa = Environment.GetEnvironmentVariable(IsaVariable);
            string? forced = Environment.GetEnvironmentVariable(PaddingVariable);
            var decision = Decide(BundledVersion(), OneDnnIsa.BestForThisCpu(), userIsa, CacheTopologyReport.ReadThisMachine(), forced, warn);
            _current = decision;
            ActiveChannelPadding = decision.ChannelPadding;
        }
    }

    /// <summary>The decision from its inputs (pure; tested on every case).</summary>
    /// <param name="cpuIsa">The CPU's best level (<see cref="OneDnnIsa.BestForThisCpu"/>); null outside x86, where none of this applies.</param>
    public static OneDnnSetup Decide(string? oneDnnVersion, string? cpuIsa, string? userIsa, CacheTopologyReport cpu, string? forced, Action<string> warn)
    {
        if (cpuIsa is null)
            return new OneDnnSetup { Version = oneDnnVersion, Isa = NotX86, IsaSource = "cpu", ChannelPadding = 0, Reason = "the bug is in oneDNN's x86 cache-size detection" };
        string isa = cpuIsa;
        string source = "cpu";
        if (userIsa is not null)
        {
            if (OneDnnIsa.Parse(userIsa) is string cap)
            {
                isa = OneDnnIsa.Min(isa, cap);
                source = $"{IsaVariable}={userIsa.Trim()}";
            }
            else warn($"{IsaVariable}={userIsa} is not an instruction set oneDNN names ({string.Join(", ", OneDnnIsa.Names)}); it is left to oneDNN as it is.");
        }
        int block = OneDnnIsa.ChannelBlock(isa);
        string? force = forced?.Trim().ToLowerInvariant();
        if (force is not (null or "" or "auto" or "on" or "off"))
        {
            warn($"{PaddingVariable}={forced} is not on, off or auto; deciding from the host.");
            force = null;
        }
        (bool on, string reason) = force switch
        {
            "on" => (true, $"{PaddingVariable}=on"),
            "off" => (false, $"{PaddingVariable}=off"),
            _ => Automatic(oneDnnVersion, isa, block, cpu),
        };
        return new OneDnnSetup { Version = oneDnnVersion, Isa = isa, IsaSource = source, ChannelPadding = on ? Math.Max(block, 8) : 0, Reason = reason };
    }

    private static (bool On, string Reason) Automatic(string? version, string isa, int block, CacheTopologyReport cpu)
    {
        if (ParseVersion(version) is Version v && v >= FixedIn) return (false, $"oneDNN {version} handles a CPU that reports no cache sizes");
        if (!cpu.HidesCacheSizes) return (false, $"{cpu.Describe()}; oneDNN's cache-size bug needs an AMD CPU that reports none");
        if (block == 1) return (false, $"{cpu.Describe()}, but {isa} does not block channels");
        return (true, $"{cpu.Describe()} and oneDNN {version ?? "of unknown version"} is older than {FixedIn}: channel counts that are not multiples of {block} give wrong convolutions");
    }

    internal static Version? ParseVersion(string? text) =>
        text is not null && Regex.Match(text, @"(\d+)\.(\d+)(?:\.(\d+))?") is { Success: true } m
            ? new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value), m.Groups[3].Success ? int.Parse(m.Groups[3].Value) : 0)
            : null;

    /// <summary>
    /// The oneDNN version libtorch was built with, from <c>at::get_mkldnn_version()</c> (exported by libtorch_cpu; it returns
    /// a <c>std::string</c> such as "oneDNN v3.7.1 (Git Hash …)", received here through the SysV hidden return pointer into
    /// 32 bytes laid out as libstdc++'s string: data pointer, length, 16 bytes of inline buffer). A heap buffer, if the
    /// string needed one, is left to the process: one small allocation, once. Null when libtorch does not export it.
    /// </summary>
    private static string? BundledVersion()
    {
        if (!OperatingSystem.IsLinux()) return null;
        IntPtr text = Marshal.AllocHGlobal(32);
        try
        {
            GetMkldnnVersion(text);
            string value = Marshal.PtrToStringUTF8(Marshal.ReadIntPtr(text), checked((int)Marshal.ReadInt64(text, 8)));
            return ParseVersion(value)?.ToString(3);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
        finally
        {
            Marshal.FreeHGlobal(text);
        }
    }

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at18get_mkldnn_versionB5cxx11Ev", ExactSpelling = true)]
    private static extern void GetMkldnnVersion(IntPtr result);
}
