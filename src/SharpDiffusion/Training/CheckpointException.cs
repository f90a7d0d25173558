namespace SharpDiffusion.Training;

/// <summary>A checkpoint cannot be read or does not fit; the message names the file and what to do.</summary>
public sealed class CheckpointException(string message) : Exception(message);
