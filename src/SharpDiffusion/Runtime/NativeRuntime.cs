using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Runtime;

/// <summary>
/// Loads libtorch once per process and picks the device. Call <see cref="Initialize"/> before building any module:
/// a module constructor may call native code before TorchSharp has loaded its backend.
/// </summary>
public static class NativeRuntime
{
    /// <summary>Folder holding a CUDA build of libtorch (e.g. <c>.../site-packages/torch/lib</c>); alternative to LD_LIBRARY_PATH.</summary>
    public const string LibTorchDirVariable = "SHARPDIFFUSION_LIBTORCH";

    private const string CudaHelp =
        "CUDA was requested but no CUDA build of libtorch could be loaded: install PyTorch 2.10+ with CUDA and set " +
        LibTorchDirVariable + " (or LD_LIBRARY_PATH) to its torch/lib folder, or use --device cpu.";

    private static readonly Lock Gate = new();
    private static bool _cpuReady;
    private static bool? _cudaReady;

    /// <summary>Makes the backend usable and returns the device for <paramref name="kind"/>.</summary>
    public static Device Initialize(DeviceKind kind = DeviceKind.Cpu)
    {
        lock (Gate)
        {
            if (kind != DeviceKind.Cpu && TryInitializeCuda()) return CUDA;
            if (kind == DeviceKind.Cuda) throw new NativeRuntimeException(CudaHelp);
            InitializeCpu();
            return CPU;
        }
    }

    /// <summary>Loads libtorch as <see cref="DeviceKind.Auto"/> does unless a backend is already loaded (then a no-op).</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_cpuReady || _cudaReady == true) return;
        }
        Initialize(DeviceKind.Auto);
    }

    /// <summary>The device names a command line takes, from <see cref="DeviceKind"/>: auto, cpu, cuda.</summary>
    public static IReadOnlyList<string> DeviceNames { get; } = Enum.GetNames<DeviceKind>().Select(n => n.ToLowerInvariant()).ToArray();

    /// <summary>Parses "cpu", "cuda" or "auto" as given on a command line or in a config.</summary>
    public static DeviceKind ParseDevice(string text) => text.Trim().ToLowerInvariant() switch
    {
        "cpu" => DeviceKind.Cpu,
        "cuda" or "gpu" => DeviceKind.Cuda,
        "auto" or "" => DeviceKind.Auto,
        _ => throw new ArgumentException($"unknown device '{text}': use cpu, cuda or auto"),
    };

    private static void InitializeCpu()
    {
        if (_cpuReady) return;
        PatchBundledLibraries();
        try
        {
            InitializeDeviceType(DeviceType.CPU);
        }
        catch (Exception e) when (e is not NativeRuntimeException)
        {
            throw new NativeRuntimeException($"libtorch could not be loaded ({FirstLine(e.Message)}); rebuild the project so that the libtorch-cpu-linux-x64 natives are copied next to the application.");
        }
        OneDnnSetup.DecideOnce(Warn);
        _cpuReady = true;
    }

    private static bool TryInitializeCuda()
    {
        if (_cudaReady is bool known) return known;
        PatchBundledLibraries();
        string? dir = Environment.GetEnvironmentVariable(LibTorchDirVariable);
        if (!string.IsNullOrEmpty(dir))
        {
            // Preloading by full path makes TorchSharp's later load-by-name find these, not the CPU build beside the app.
            foreach (string lib in new[] { "libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so" })
            {
                string path = Path.Combine(dir, lib);
                if (File.Exists(path)) NativeLibrary.TryLoad(path, out _);
            }
        }
        try
        {
            InitializeDeviceType(DeviceType.CUDA);
            _cudaReady = cuda.is_available();
        }
        catch (Exception)
        {
            _cudaReady = false;
        }
        if (_cudaReady == true)
        {
            OneDnnSetup.DecideOnce(Warn);
            _cpuReady = true;
        }
        return _cudaReady.Value;
    }

    private static void PatchBundledLibraries()
    {
        string baseDir = AppContext.BaseDirectory;
        foreach (string candidate in new[]
                 {
                     Path.Combine(baseDir, "libLibTorchSharp.so"),
                     Path.Combine(baseDir, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"),
                 })
        {
            LibStdCxxCompatibility.EnsureLoadable(candidate);
        }
    }

    /// <summary>The runtime's one-time warnings (an environment variable it cannot read) go to standard error.</summary>
    private static void Warn(string message) => Console.Error.WriteLine($"warning: {message}");

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
