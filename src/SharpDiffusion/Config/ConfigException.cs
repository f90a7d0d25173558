namespace SharpDiffusion.Config;

/// <summary>A config file, override or value is wrong; the message names the key and the fix.</summary>
public sealed class ConfigException(string message) : Exception(message);
