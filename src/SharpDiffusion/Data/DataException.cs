namespace SharpDiffusion.Data;

/// <summary>A data problem the user can fix (missing folder, no usable images, unreadable file); the message is one sentence.</summary>
public sealed class DataException(string message) : Exception(message);
