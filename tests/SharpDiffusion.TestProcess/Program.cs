using System.Globalization;
using System.Runtime.InteropServices;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Monitoring;
using SharpDiffusion.Runtime;
using SharpDiffusion.Tests.Runtime;
using SharpDiffusion.Training;

// sd-test-process COMMAND ARGS: one side of a cross-process race. Commands that race wait for a line on stdin first, so
// the test can release all of them at the same moment.
//   eval-add RUN COUNT TAG       adds COUNT evaluation entries (steps 0..COUNT-1, settings "TAG-i")
//   resources RUN COUNT          appends COUNT resource rows
//   hold-run-lock RUN            takes the run lock, prints "locked", holds it until stdin closes or a line arrives
//   try-run-lock RUN             takes and releases the run lock: exit 0 (printing any stale lock taken over) or 3
//   conv-check CONFIGS [SHIM]    checks every convolution of the configs' models against float64 (exit 0 all right, 1 not);
//                                with SHIM (tools/cpuid-zero-leaf), first makes CPUID report no AMD cache topology
return args switch
{
    ["conv-check", var configs] => ConvCheck(configs, null),
    ["conv-check", var configs, var shim] => ConvCheck(configs, shim),
    ["eval-add", var run, var count, var tag] => EvalAdd(run, Parse(count), tag),
    ["resources", var run, var count] => Resources(run, Parse(count)),
    ["hold-run-lock", var run] => HoldRunLock(run),
    ["try-run-lock", var run] => TryRunLock(run),
    _ => Usage(),
};

static int Parse(string text) => int.Parse(text, CultureInfo.InvariantCulture);

static void WaitForGo() => Console.In.ReadLine();

static int EvalAdd(string run, int count, string tag)
{
    WaitForGo();
    var log = new EvaluationLog(run);
    for (int i = 0; i < count; i++)
        log.Add(new EvaluationEntry { Step = i, SettingsKey = $"{tag}-{i}", Extractor = $"{tag}, a name with a comma", Sampler = "ddim", N = 16, CreatedUtc = DateTimeOffset.UtcNow });
    return 0;
}

static int Resources(string run, int count)
{
    WaitForGo();
    string path = ResourceLog.PathIn(run);
    for (int i = 0; i < count; i++)
        ResourceLog.Append(path, new ResourceSample(DateTimeOffset.UtcNow, i, null, null, null, null, Environment.ProcessId, i));
    return 0;
}

static int HoldRunLock(string run)
{
    try
    {
        using var held = RunLock.Acquire(new RunDirectory(run));
        Console.WriteLine("locked");
        Console.Out.Flush();
        Console.In.ReadLine();
        return 0;
    }
    catch (RunLockedException e)
    {
        Console.Error.WriteLine(e.Message);
        return 3;
    }
}

static int TryRunLock(string run)
{
    try
    {
        using var held = RunLock.Acquire(new RunDirectory(run));
        Console.WriteLine(held.TookOverStaleLock is string stale ? $"acquired, took over {stale}" : "acquired");
        return 0;
    }
    catch (RunLockedException e)
    {
        Console.Error.WriteLine(e.Message);
        return 3;
    }
}

static int ConvCheck(string configs, string? shim)
{
    Func<long>? emulated = null;
    if (shim is not null)
    {
        // Before libtorch loads: oneDNN reads the cache sizes once, and only threads created after this inherit the setting.
        var library = NativeLibrary.Load(shim);
        var enable = Marshal.GetDelegateForFunctionPointer<NativeCall>(NativeLibrary.GetExport(library, "sd_cpuid_zero_leaf_enable"));
        if (enable() != 0)
        {
            Console.Error.WriteLine("this kernel or CPU has no CPUID faulting");
            return 2;
        }
        var count = Marshal.GetDelegateForFunctionPointer<NativeCount>(NativeLibrary.GetExport(library, "sd_cpuid_zero_leaf_count"));
        emulated = () => count();
    }
    NativeRuntime.Initialize(DeviceKind.Cpu);
    Console.WriteLine(OneDnnSetup.Current.Describe());
    var calls = ConvolutionCheck.Enumerate(configs);
    var failures = calls.SelectMany(c => ConvolutionCheck.Check(c.Family, c.Call)).ToList();
    Console.WriteLine($"{calls.Count} convolutions, {failures.Count} failures{(emulated is null ? "" : $", {emulated()} CPUID instructions emulated")}");
    foreach (var failure in failures.Take(10)) Console.WriteLine(failure);
    return failures.Count == 0 ? 0 : 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: sd-test-process eval-add RUN COUNT TAG | resources RUN COUNT | hold-run-lock RUN | try-run-lock RUN | conv-check CONFIGS [SHIM]");
    return 64;
}

[UnmanagedFunctionPointer(CallingConvention.Cdecl)]
internal delegate int NativeCall();

[UnmanagedFunctionPointer(CallingConvention.Cdecl)]
internal delegate long NativeCount();
