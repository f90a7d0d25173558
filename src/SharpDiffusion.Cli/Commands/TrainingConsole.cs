using System.Globalization;
using SharpDiffusion.Training;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary>Shows training progress: a live bar on a terminal, one line per log interval when output is redirected (SLURM logs).</summary>
internal static class TrainingConsole
{
    public static TrainingResult Run(Trainer trainer, bool resume, CancellationToken cancel)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return RunPlain(trainer, resume, cancel);

        TrainingResult result = null!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("training", maxValue: trainer.Config.Training.Steps);
                trainer.Progress += p =>
                {
                    task.Value = p.Step;
                    task.Description = Describe(p);
                };
                trainer.Message += m => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}[/]");
                result = trainer.Run(resume, cancel);
            });
        return result;
    }

    private static TrainingResult RunPlain(Trainer trainer, bool resume, CancellationToken cancel)
    {
        int every = trainer.Config.Training.LogEvery;
        trainer.Progress += p =>
        {
            if (p.Step % every == 0 || p.Step == p.TotalSteps) Console.WriteLine($"{Describe(p)}  elapsed {p.Elapsed:hh\\:mm\\:ss}");
        };
        trainer.Message += Console.WriteLine;
        return trainer.Run(resume, cancel);
    }

    private static string Describe(TrainingProgress p)
    {
        string loss = p.Loss is double l ? l.ToString("F4", CultureInfo.InvariantCulture) : "…";
        return string.Create(CultureInfo.InvariantCulture, $"step {p.Step}/{p.TotalSteps}  loss {loss}  {p.ImagesPerSecond:F1} img/s");
    }
}
