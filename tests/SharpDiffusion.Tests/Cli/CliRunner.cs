using System.Diagnostics;

namespace SharpDiffusion.Tests.Cli;

/// <summary>Runs the real <c>ddpm</c> executable (built next to the tests) in a child process, as a user would.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Result Run(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ddpm.dll"));
        foreach (string a in args) info.ArgumentList.Add(a);
        info.Environment["XDG_CACHE_HOME"] = Path.Combine(Path.GetTempPath(), "sd-cli-test-cache");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"ddpm {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Options for a run small enough to train in a second or two.</summary>
    public static readonly string[] TinyRun =
    [
        "--device", "cpu", "--set", "data.image_size=8", "--set", "data.synthetic_count=16", "--set", "model.dim=8",
        "--set", "model.dim_mults=[1,2]", "--set", "model.res_blocks=1", "--set", "model.attention_resolutions=[]", "--set", "model.groups=4",
        "--set", "model.class_conditional=false", // the demo config is class-conditional; tests opt in where they need it
        "--set", "training.batch_size=2", "--set", "training.sample_steps=2", "--set", "training.sample_count=4", "--set", "training.log_every=1",
    ];
}
