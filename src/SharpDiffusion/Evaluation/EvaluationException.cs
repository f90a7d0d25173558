namespace SharpDiffusion.Evaluation;

/// <summary>An evaluation problem the user can fix (too few images, mixed sizes, missing weights); the message is one sentence.</summary>
public sealed class EvaluationException(string message) : Exception(message);
