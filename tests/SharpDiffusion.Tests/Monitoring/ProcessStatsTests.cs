using System.Diagnostics;
using SharpDiffusion.Monitoring;

namespace SharpDiffusion.Tests.Monitoring;

public sealed class ProcessStatsTests
{
    [Fact]
    public void ParseCpuSeconds_CommandNameWithSpacesAndParentheses_SumsFields14And15()
    {
        // proc(5) field order: pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
        string stat = "4242 (a (weird) name) R 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 3 4 20 0 8 0 12345 1000000 2000";
        Assert.Equal(3.0, ProcessStats.ParseCpuSeconds(stat), 12); // (250 + 50) ticks / USER_HZ 100
    }

    [Fact]
    public void ParseCpuSeconds_NotAStatLine_Throws() => Assert.Throws<FormatException>(() => ProcessStats.ParseCpuSeconds("garbage"));

    [Fact]
    public void ParseRssMiB_StatusText_ReadsVmRssInMiB()
    {
        string status = "Name:\tdotnet\nVmPeak:\t 9999999 kB\nVmRSS:\t  204800 kB\nThreads:\t12\n";
        Assert.Equal(200.0, ProcessStats.ParseRssMiB(status));
        Assert.Null(ProcessStats.ParseRssMiB("Name:\tkthreadd\nThreads:\t1\n")); // kernel threads have no VmRSS
    }

    [Fact]
    public void ReadCpuSeconds_ThisProcess_AgreesWithDotNetProcessorTime()
    {
        // .NET reads the same kernel counters its own way; agreement checks field positions and the tick unit.
        double before = ProcessStats.ReadCpuSeconds()!.Value;
        double dotnet = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        double after = ProcessStats.ReadCpuSeconds()!.Value;
        const double tick = 1 / ProcessStats.ClockTicksPerSecond;
        Assert.InRange(dotnet, before - 2 * tick, after + 2 * tick);
        Assert.True(after > 0);
    }

    [Fact]
    public void ReadRssMiB_ThisProcess_IsPositiveAndBelowMachineMemory()
    {
        double rss = ProcessStats.ReadRssMiB()!.Value;
        Assert.InRange(rss, 1, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1048576.0);
    }
}
