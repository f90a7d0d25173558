using SharpDiffusion.Reporting;
using Spectre.Console;
using System.CommandLine;

namespace SharpDiffusion.Cli.Commands;

internal sealed class PlotCommand : Command
{
    private readonly Option<string[]> _runs = new("--runs") { HelpName = "DIR", Description = "Run folders; the first is the baseline. Folders that are not runs are skipped with a warning.", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string> _out = new("--out") { HelpName = "DIR", Description = "Where to write loss_plots/, one comparison_<feature space>.png per Fréchet distance (comparison_fid.png only for the Inception's FID, comparison_fd-resnet18.png, ...) and comparison_is.png.", DefaultValueFactory = _ => "plots" };
    private readonly Option<bool> _logScale = new("--log-scale") { Description = "Logarithmic loss axis." };
    private readonly Option<double> _smoothing = new("--smoothing") { HelpName = "W", Description = "EMA weight for the smoothed loss curve, in [0, 1).", DefaultValueFactory = _ => 0.8 };

    public PlotCommand()
        : base("plot", "Plot loss curves (per run and overlaid) and Fréchet distance (per feature space) and IS versus step for a set of runs, one line per protocol (PNG).")
    {
        foreach (var option in new Option[] { _runs, _out, _logScale, _smoothing }) Add(option);
        SetAction(parse => Execute(new PlotSettings(parse.GetValue(_runs) ?? [], parse.GetValue(_out)!, parse.GetValue(_logScale), parse.GetValue(_smoothing))));
    }

    private static int Execute(PlotSettings settings)
    {
        var runs = ReportCommand.LoadRuns(settings.Runs, settings.Smoothing).Runs;
        var written = PlotWriter.Write(runs, settings.Out, new LossPlotOptions(settings.LogScale, settings.Smoothing));
        foreach (string path in written) AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)}");
        return 0;
    }
}

/// <summary>The options of <c>ddpm plot</c> after parsing.</summary>
internal sealed record PlotSettings(string[] Runs, string Out, bool LogScale, double Smoothing);
