using System.Runtime.Intrinsics.X86;

namespace SharpDiffusion.Runtime;

/// <summary>
/// oneDNN's CPU instruction-set levels as <c>ONEDNN_MAX_CPU_ISA</c> names them (oneDNN 3.x), lowest first, and the highest
/// one this CPU supports. oneDNN dispatches to the highest level the CPU has, capped by that variable.
/// </summary>
public static class OneDnnIsa
{
    /// <summary>The levels in order; aliases map to the same rank (AVX512_CORE_FP16 is AVX10_1_512, …).</summary>
    private static readonly (string Name, int Rank)[] Levels =
    [
        ("SSE41", 0), ("AVX", 1), ("AVX2", 2), ("AVX2_VNNI", 3), ("AVX2_VNNI_2", 4),
        ("AVX512_CORE", 5), ("AVX512_CORE_VNNI", 6), ("AVX512_CORE_BF16", 7),
        ("AVX10_1_512", 8), ("AVX512_CORE_FP16", 8),
        ("AVX10_1_512_AMX", 9), ("AVX512_CORE_AMX", 9),
        ("AVX10_1_512_AMX_FP16", 10), ("AVX512_CORE_AMX_FP16", 10),
        ("AVX10_2_512", 11), ("AVX10_2_512_AMX_2", 12),
    ];

    /// <summary>The value that lets oneDNN use everything the CPU has.</summary>
    public const string Default = "DEFAULT";

    /// <summary>Every name <c>ONEDNN_MAX_CPU_ISA</c> accepts, for messages.</summary>
    public static IEnumerable<string> Names => Levels.Select(l => l.Name).Append(Default);

    /// <summary>The canonical upper-case name, or null when oneDNN would not recognise <paramref name="text"/>.</summary>
    public static string? Parse(string text)
    {
        string name = text.Trim().ToUpperInvariant();
        return name == Default || Levels.Any(l => l.Name == name) ? name : null;
    }

    /// <summary>The lower of two levels (a user's cap against what the CPU has); <see cref="Default"/> means no cap.</summary>
    public static string Min(string cpu, string cap) => cap == Default || Rank(cpu) <= Rank(cap) ? cpu : cap;

    /// <summary>
    /// The SIMD width in float32 lanes that oneDNN's channel-blocked layouts use at <paramref name="isa"/>: 16 at AVX-512
    /// levels, 8 at AVX/AVX2, 1 at SSE4.1 (whose convolutions do not block channels, measured: issue 20).
    /// </summary>
    public static int ChannelBlock(string isa) => Rank(isa) switch
    {
        >= 5 => 16,
        >= 1 => 8,
        _ => 1,
    };

    /// <summary>
    /// The highest level this CPU supports, from CPUID (AMX and AVX10 levels are not told apart from AVX512_CORE_BF16:
    /// none of them changes the channel block); null on a CPU without SSE4.1 or outside x86.
    /// </summary>
    public static string? BestForThisCpu()
    {
        if (!X86Base.IsSupported || !Sse41.IsSupported) return null;
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported)
        {
            var (subleaf1Eax, _, _, _) = X86Base.CpuId(7, 1);
            if ((subleaf1Eax & (1 << 5)) != 0) return "AVX512_CORE_BF16"; // CPUID.(7,1):EAX[5] AVX512_BF16
            return (X86Base.CpuId(7, 0).Ecx & (1 << 11)) != 0 ? "AVX512_CORE_VNNI" : "AVX512_CORE"; // CPUID.(7,0):ECX[11] AVX512_VNNI
        }
        if (Avx2.IsSupported && Fma.IsSupported) return "AVX2";
        return Avx.IsSupported ? "AVX" : "SSE41";
    }

    private static int Rank(string name) => Levels.First(l => l.Name == name).Rank;
}
