namespace SharpDiffusion.Experiments;

/// <summary>A sweep cannot be planned as asked (missing configs, clashing run names); the message names them and the fix.</summary>
public sealed class SweepException(string message) : Exception(message);
