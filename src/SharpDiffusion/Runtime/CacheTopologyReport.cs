using System.Runtime.Intrinsics.X86;
using System.Text;

namespace SharpDiffusion.Runtime;

/// <summary>
/// What this CPU says about its caches: the vendor, whether it advertises AMD's cache-topology leaf (TOPOEXT), whether
/// that leaf (CPUID 0x8000001D) describes any cache, and how many caches the kernel lists in sysfs.
/// </summary>
/// <remarks>
/// Some AMD KVM guests advertise TOPOEXT but return all zeros from leaf 0x8000001D (and the kernel, which reads the same
/// leaf, lists no caches). The Xbyak inside oneDNN before 3.8 then takes every cache size to be 1 byte on AMD (on Intel a
/// zero leaf falls back to guessed sizes), and oneDNN's channel-blocking reorders leave garbage in the padding lanes:
/// convolutions whose channel counts are not a multiple of the SIMD block compute wrong results (issue 20).
/// </remarks>
public sealed record CacheTopologyReport(string Vendor, bool TopologyLeafAdvertised, bool TopologyLeafReportsCaches, int SysfsCacheEntries)
{
    /// <summary>The folder the kernel lists CPU 0's caches in.</summary>
    public const string SysfsCacheFolder = "/sys/devices/system/cpu/cpu0/cache";

    public bool IsAmd => Vendor is "AuthenticAMD" or "HygonGenuine";

    /// <summary>
    /// The host oneDNN's cache-size bug needs: an AMD CPU that advertises leaf 0x8000001D but reports no cache in it. CPUID
    /// is what oneDNN reads, so it decides; sysfs (the kernel's reading of the same leaf, normally empty then) is only
    /// reported beside it, so a disagreement shows in the reason.
    /// </summary>
    public bool HidesCacheSizes => IsAmd && TopologyLeafAdvertised && !TopologyLeafReportsCaches;

    /// <summary>A few words for the version line and config.json.</summary>
    public string Describe() =>
        !IsAmd ? $"{Vendor} CPU"
        : !TopologyLeafAdvertised ? "AMD CPU without cache-topology leaf"
        : $"AMD CPU, cache leaf 0x8000001D {(TopologyLeafReportsCaches ? "reports caches" : "all zeros")}, sysfs lists {SysfsCacheEntries} cache{(SysfsCacheEntries == 1 ? "" : "s")}";

    /// <summary>Reads this machine: CPUID through .NET's intrinsic, and <see cref="SysfsCacheFolder"/>.</summary>
    public static CacheTopologyReport ReadThisMachine()
    {
        if (!X86Base.IsSupported) return new CacheTopologyReport("non-x86", false, false, SysfsCaches());
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        string vendor = Encoding.ASCII.GetString([.. BitConverter.GetBytes(ebx), .. BitConverter.GetBytes(edx), .. BitConverter.GetBytes(ecx)]);
        bool advertised = X86Base.CpuId(unchecked((int)0x80000000), 0).Eax >= unchecked((int)0x8000001D)
                          && (X86Base.CpuId(unchecked((int)0x80000001), 0).Ecx & (1 << 22)) != 0; // CPUID.80000001h:ECX[22] TOPOEXT
        bool reports = false;
        // Subleaf i describes cache i; EAX[4:0] is its type, 0 meaning "no more caches".
        for (int subleaf = 0; advertised && subleaf < 4; subleaf++)
            reports |= (X86Base.CpuId(unchecked((int)0x8000001D), subleaf).Eax & 0x1F) != 0;
        return new CacheTopologyReport(vendor, advertised, reports, SysfsCaches());
    }

    private static int SysfsCaches() =>
        Directory.Exists(SysfsCacheFolder) ? Directory.GetDirectories(SysfsCacheFolder, "index*").Length : 0;
}
