namespace SharpDiffusion.Training;

/// <summary>Constant learning rate after an optional linear warm-up from zero.</summary>
public static class LearningRateSchedule
{
    /// <param name="step">1-based optimizer step.</param>
    public static double At(int step, double lr, int warmupSteps) =>
        warmupSteps > 0 && step < warmupSteps ? lr * step / warmupSteps : lr;
}
