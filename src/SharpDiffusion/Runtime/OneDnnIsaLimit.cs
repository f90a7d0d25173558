using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace SharpDiffusion.Runtime;

/// <summary>
/// Caps oneDNN (libtorch's CPU convolution library) at AVX2 on CPUs with AVX-512, before libtorch loads.
/// </summary>
/// <remarks>
/// Measured 2026-12-01 on an AMD EPYC (Zen 4: AVX-512 with BF16/VNNI) with TorchSharp 0.107 / libtorch 2.10: the demo's
/// training steps gave NaN/Inf gradients in 10–40% of steps and different losses on every run of the same seed, with
/// oneDNN's default ISA and with ONEDNN_MAX_CPU_ISA=AVX512_CORE; with ONEDNN_MAX_CPU_ISA=AVX2 no step was non-finite and
/// two runs gave bit-identical losses (docs/architecture.md, "Native runtime"). oneDNN reads the variable from the native
/// environment when it first dispatches, and .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not
/// reach the native environment on Linux, so it is set through libc. A value the user already set is left alone
/// (<c>ONEDNN_MAX_CPU_ISA=DEFAULT</c> restores oneDNN's own choice).
/// </remarks>
public static class OneDnnIsaLimit
{
    public const string Variable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The cap applied on AVX-512 machines.</summary>
    public const string Cap = "AVX2";

    /// <summary>Sets <see cref="Variable"/> to <see cref="Cap"/> when the CPU has AVX-512 and the user has not set it.</summary>
    public static void Apply()
    {
        if (!OperatingSystem.IsLinux() || !Avx512F.IsSupported) return;
        if (NativeValue() is not null) return;
        if (setenv(Variable, Cap, overwrite: 0) != 0)
            throw new NativeRuntimeException($"could not set {Variable} for libtorch; start the tool with {Variable}={Cap} in the environment.");
    }

    /// <summary>The variable as native code (oneDNN) sees it, or null when unset.</summary>
    public static string? NativeValue()
    {
        var pointer = getenv(Variable);
        return pointer == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(pointer);
    }

    [DllImport("libc", ExactSpelling = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    [DllImport("libc", ExactSpelling = true)]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);
}
