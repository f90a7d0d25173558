namespace SharpDiffusion.Runtime;

/// <summary>The native backend cannot be used as asked; the message says what to install or change.</summary>
public sealed class NativeRuntimeException(string message) : Exception(message);
