using System.CommandLine;
using System.Runtime.InteropServices;
using SharpDiffusion.Cli.Commands;

// Ctrl-C and SIGTERM (what SLURM sends before its time limit) ask the running command to checkpoint and stop;
// a second Ctrl-C ends the process at once (checkpoints are written atomically, so nothing half-written is left).
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !stop.IsCancellationRequested;
    stop.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

var root = new RootCommand("SharpDiffusion: train, sample and benchmark denoising diffusion models.")
{
    new TrainCommand(stop.Token),
    new SampleCommand(),
    new UpscaleCommand(),
    new BenchCommand(stop.Token),
    new SweepCommand(stop.Token),
    new SlurmCommand(),
    new FeaturesCommand(),
    new FidCommand(),
    new EvalCommand(stop.Token),
    new PlotCommand(),
    new ReportCommand(),
    new ImportCommand(),
    new ExportCommand(),
};
VersionAction.Attach(root);
try
{
    var parsed = root.Parse(args);
    if (parsed.Errors.Count > 0) return CliErrors.ReportParseErrors(parsed.Errors);
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    return CliErrors.Report(e);
}
