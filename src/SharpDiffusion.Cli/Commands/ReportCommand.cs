using SharpDiffusion.Reporting;
using SharpDiffusion.Training;
using Spectre.Console;
using System.CommandLine;

namespace SharpDiffusion.Cli.Commands;

internal sealed class ReportCommand : Command
{
    private readonly Option<string[]> _runs = new("--runs") { HelpName = "DIR", Description = "Run folders; the first is the baseline of the ablation table. Folders that are not runs are skipped with a warning.", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string> _out = new("--out") { HelpName = "FILE", Description = "HTML file to write (self-contained: images are embedded).", DefaultValueFactory = _ => "report.html" };
    private readonly Option<bool> _logScale = new("--log-scale") { Description = "Logarithmic loss axis." };
    private readonly Option<double> _smoothing = new("--smoothing") { HelpName = "W", Description = "EMA weight for the smoothed loss curves, in [0, 1).", DefaultValueFactory = _ => 0.8 };

    public ReportCommand()
        : base("report", "Write one self-contained HTML page: ablation table, loss, Fréchet-distance and IS plots, latest sample grids.")
    {
        foreach (var option in new Option[] { _runs, _out, _logScale, _smoothing }) Add(option);
        SetAction(parse => Execute(new ReportSettings(parse.GetValue(_runs) ?? [], parse.GetValue(_out)!, parse.GetValue(_logScale), parse.GetValue(_smoothing))));
    }

    private static int Execute(ReportSettings settings)
    {
        var set = LoadRuns(settings.Runs, settings.Smoothing);
        string html = HtmlReport.Build(set.Runs, new LossPlotOptions(settings.LogScale, settings.Smoothing), set.Warnings, DateTimeOffset.UtcNow);
        AtomicFile.WriteAllText(settings.Out, html);
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(settings.Out)} ({set.Runs.Count} run(s))");
        return 0;
    }

    /// <summary>Loads the runs for plot and report; prints a warning per skipped folder, and fails when no run is left.</summary>
    internal static ReportRunSet LoadRuns(string[] folders, double smoothing)
    {
        if (folders.Length == 0) throw new UsageException("give the run folders with --runs DIR... (e.g. --runs runs/*).");
        if (smoothing is < 0 or >= 1) throw new UsageException($"--smoothing must be in [0, 1), got {smoothing}.");
        var set = ReportRunLoader.Load(folders);
        var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        foreach (string warning in set.Warnings) error.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
        if (set.Runs.Count == 0)
            throw new UsageException("none of the --runs folders is a run (a run folder has the config.json that ddpm train writes).");
        return set;
    }
}

/// <summary>The options of <c>ddpm report</c> after parsing.</summary>
internal sealed record ReportSettings(string[] Runs, string Out, bool LogScale, double Smoothing);
