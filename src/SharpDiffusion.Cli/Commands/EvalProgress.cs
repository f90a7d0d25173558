using SharpDiffusion.Evaluation;
using Spectre.Console;

namespace SharpDiffusion.Cli.Commands;

/// <summary>Spectre progress bars for the long parts of evaluation (sampling, decoding, feature extraction), its lines on the console, and each entry to <paramref name="evaluated"/>.</summary>
internal sealed class EvalProgress(Action<EvaluationEntry> evaluated) : IEvaluationProgress
{
    T IEvaluationProgress.Phase<T>(string label, long total, Func<IProgress<long>, T> work) => Run(label, total, work);

    T IEvaluationProgress.CountedPhase<T>(string label, Func<IProgress<(int Done, int Total)>, T> work) => RunCounted(label, work);

    public void Info(string message) => AnsiConsole.MarkupLine(Markup.Escape(message));

    public void Evaluated(EvaluationEntry entry) => evaluated(entry);

    /// <summary>Runs <paramref name="work"/> under one bar of <paramref name="total"/> units; the work reports units done.</summary>
    public static T Run<T>(string label, long total, Func<IProgress<long>, T> work)
    {
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: Math.Max(1, total));
                result = work(new Immediate<long>(done => task.Value = done));
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>As <see cref="Run{T}"/> for work that learns its total as it goes (decoding a folder).</summary>
    public static T RunCounted<T>(string label, Func<IProgress<(int Done, int Total)>, T> work)
    {
        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label));
                result = work(new Immediate<(int Done, int Total)>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                }));
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Reports on the calling thread (System.Progress would post to the thread pool and arrive late).</summary>
    internal sealed class Immediate<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
