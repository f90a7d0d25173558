namespace SharpDiffusion.Training;

/// <summary>Reported after every optimizer step; <see cref="Loss"/> is the mean over the last log interval (null until the first).</summary>
public sealed record TrainingProgress(int Step, int TotalSteps, double? Loss, double ImagesPerSecond, TimeSpan Elapsed);

/// <summary>How a call to <see cref="Trainer.Run"/> ended.</summary>
public sealed record TrainingResult(int StartStep, int FinalStep, bool Interrupted, string? LastCheckpoint, double? LastLoss);
