using System.Globalization;
using SharpDiffusion.Config;
using SharpDiffusion.Data;
using SharpDiffusion.Models;
using SharpDiffusion.Monitoring;
using SharpDiffusion.Reporting.TensorBoard;
using SharpDiffusion.Runtime;
using SharpDiffusion.Training;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary>One training run as <c>ddpm train</c> does it (config, run folder checks, data, trainer, resource monitor); <c>ddpm sweep</c> runs it once per config.</summary>
internal static class TrainingSession
{
    /// <summary>Trains as the settings say; null after a dry run.</summary>
    public static TrainingResult? Run(TrainSettings settings, CancellationToken cancellationToken)
    {
        settings = ResumeCheckpoint.WithRunFolder(settings);
        var resumeRun = settings.Resume && settings.Out is not null ? new RunDirectory(settings.Out) : null;
        var config = RunConfigResolver.Resolve(settings, resumeRun);
        var run = new RunDirectory(settings.Out ?? Path.Combine("runs", config.Name));

        if (settings.DryRun)
        {
            DryRun.Print(config);
            return null;
        }
        // Checked before anything is written, so a refused run leaves the folder as it was.
        ThrowIfRunStateConflicts(run, settings);
        var device = NativeRuntime.Initialize(NativeRuntime.ParseDevice(config.Training.Device));
        using var data = LoadData(config, settings.Cache);
        using var runLock = RunLock.Acquire(run);
        if (runLock.TookOverStaleLock is string stale) AnsiConsole.MarkupLine(Markup.Escape($"took over run.lock left by {stale}"));
        ThrowIfRunStateConflicts(run, settings); // again under the lock: another process may have started meanwhile
        if (run.DeleteLeftoverTempFiles() is > 0 and int leftovers)
            AnsiConsole.MarkupLine($"[grey]removed {leftovers} half-written temp file(s) left by an interrupted process[/]");
        var trainer = new Trainer(config, data, run, device) { ResumeFrom = settings.ResumeFrom, LatentCacheDir = LatentCacheDir(settings.Cache) };
        if (settings.Resume) trainer.ThrowIfCannotResume(); // before the resource monitor's first row can touch the folder
        AnsiConsole.MarkupLine($"training [bold]{Markup.Escape(config.Name)}[/] on {device.type.ToString().ToLowerInvariant()} → {Markup.Escape(run.Root)}");
        if (device.type == TorchSharp.DeviceType.CPU) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(OneDnnSetup.Current.Describe())}[/]");
        AnsiConsole.MarkupLine($"model: {ParameterCountText(trainer.Config, data)} parameters; {config.Training.Steps} steps of batch {config.Training.BatchSize}");

        using var tensorBoard = TensorBoardWriter.Create(Path.Combine(run.Root, TensorBoardWriter.FolderName));
        TrainingTensorBoard.Attach(trainer, tensorBoard);
        var monitor = ResourceMonitor.StartForRun(run.Root, config.Training.MonitorIntervalS);
        TrainingResult result;
        try
        {
            result = TrainingConsole.Run(trainer, settings.Resume, cancellationToken);
        }
        finally
        {
            monitor?.Dispose();
        }
        if (monitor?.Error is Exception e) AnsiConsole.MarkupLine($"[yellow]warning:[/] resource monitoring stopped early: {Markup.Escape(e.Message)}");
        string final = result.LastLoss is double loss ? loss.ToString("F4", CultureInfo.InvariantCulture) : "n/a";
        AnsiConsole.MarkupLine(result.Interrupted
            ? $"[yellow]stopped[/] at step {result.FinalStep}; continue with: ddpm train --out {Markup.Escape(run.Root)} --resume"
            : $"[green]done[/]: step {result.FinalStep}, loss {final}; samples in {Markup.Escape(run.SamplesDir)}");
        return result;
    }

    private static void ThrowIfRunStateConflicts(RunDirectory run, TrainSettings settings)
    {
        bool resume = settings.Resume;
        if (settings.ResumeFrom is string checkpoint)
        {
            ResumeCheckpoint.ThrowIfConflicts(run, checkpoint);
            return;
        }
        if (resume && !run.HasRunContent)
            throw new UsageException($"--resume: {run.Root} holds no run to continue; leave out --resume to start one there.");
        if (!resume && run.HasRunContent)
            throw new UsageException($"{run.Root} already holds a run; pass --resume to continue it or --out DIR to start a new one.");
    }

    private static ImageDataset LoadData(RunConfig config, string? cacheDir)
    {
        ImageDataset data = null!;
        DataLoadReport report = null!;
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("loading data");
            var progress = new Progress<(int Done, int Total)>(p =>
            {
                task.MaxValue = Math.Max(p.Total, 1);
                task.Value = p.Done;
            });
            data = DatasetLoader.Load(config.Data, cacheDir ?? DefaultCacheDir(), out report, config.Seed, progress);
        });
        AnsiConsole.MarkupLine($"data: {Markup.Escape(report.Description)}");
        if (report.Skipped > 0)
            AnsiConsole.MarkupLine($"[yellow]warning:[/] skipped {report.Skipped} unreadable file(s), e.g. {Markup.Escape(string.Join(", ", report.SkippedExamples))}");
        return data;
    }

    private static string ParameterCountText(RunConfig config, ImageDataset data)
    {
        return ParameterCount.Of(config.Model, data.Channels, data.ImageSize, config.Data.Augment).ToString("N0", CultureInfo.InvariantCulture);
    }

    /// <summary>Encoded latent datasets go beside the decoded ones (--cache DIR/latents, or ~/.cache/sharpdiffusion/latents).</summary>
    private static string LatentCacheDir(string? cache) =>
        cache is not null ? Path.Combine(cache, "latents") : Path.Combine(Path.GetDirectoryName(DefaultCacheDir())!, "latents");

    internal static string DefaultCacheDir()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
        return Path.Combine(root, "sharpdiffusion", "datasets");
    }
}
