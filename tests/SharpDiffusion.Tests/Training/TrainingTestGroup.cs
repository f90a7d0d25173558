namespace SharpDiffusion.Tests.Training;

/// <summary>
/// Test classes that run the trainer: training seeds libtorch's process-wide generator (initial weights, dropout), and
/// the bitwise resume test fails when another class trains at the same time, so these classes never run in parallel.
/// </summary>
[CollectionDefinition(Name)]
public sealed class TrainingTestGroup
{
    public const string Name = "trains models (shares libtorch's global generator)";
}
