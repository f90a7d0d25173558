namespace SharpDiffusion.Interop;

/// <summary>A checkpoint cannot be imported or a run cannot be exported; the message names the file and what to do.</summary>
public sealed class InteropException(string message) : Exception(message);
