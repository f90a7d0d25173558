namespace SharpDiffusion.Training;

/// <summary>Training produced only NaN/Inf gradients for too long; the message names the last good checkpoint.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
