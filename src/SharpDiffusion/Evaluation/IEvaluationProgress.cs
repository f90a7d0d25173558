namespace SharpDiffusion.Evaluation;

/// <summary>What an evaluation tells its caller while it runs (the CLI draws progress bars and prints lines).</summary>
public interface IEvaluationProgress
{
    /// <summary>Runs a long phase (sampling, feature extraction) of <paramref name="total"/> units; the work reports units done.</summary>
    T Phase<T>(string label, long total, Func<IProgress<long>, T> work);

    /// <summary>As <see cref="Phase{T}"/> for work that learns its total as it goes (decoding a folder).</summary>
    T CountedPhase<T>(string label, Func<IProgress<(int Done, int Total)>, T> work);

    /// <summary>One line of information (what the real set is, where its features came from, a skipped step).</summary>
    void Info(string message);

    /// <summary>A checkpoint was evaluated and its entry logged.</summary>
    void Evaluated(EvaluationEntry entry);
}
