using System.Runtime.InteropServices;
using SharpDiffusion.Cli.Commands;
using Spectre.Console.Cli;

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

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("ddpm");
    config.SetExceptionHandler((exception, _) => CliErrors.Report(exception));
    config.AddCommand<TrainCommand>("train")
        .WithDescription("Train a DDPM (no arguments: the built-in synthetic-shapes demo into runs/demo).")
        .WithExample("train")
        .WithExample("train", "--config", "configs/sysu/exp4-dim128.json", "--data", "/data/SYSU-Shapes", "--device", "cuda");
    config.AddCommand<SampleCommand>("sample")
        .WithDescription("Generate images from a trained run (EMA weights, config read from the checkpoint).")
        .WithExample("sample", "--run", "runs/demo", "--n", "16", "--sampler", "ddim", "--steps", "50");
    config.AddCommand<BenchCommand>("bench")
        .WithDescription("Time training steps of the reference U-Net (dims 64/96/128) on this machine.")
        .WithExample("bench", "--device", "cpu", "--dims", "64", "--batch", "8");
});
return app.Run(args, stop.Token);
