using SharpDiffusion.Training;

namespace SharpDiffusion.Reporting.TensorBoard;

/// <summary>
/// Mirrors a training run into TensorBoard: loss, lr and images/s at every log row (tags <c>train/loss</c>,
/// <c>train/lr</c>, <c>train/images_per_s</c>) and every EMA sample grid (<c>samples/ema</c>).
/// </summary>
public static class TrainingTensorBoard
{
    public static void Attach(Trainer trainer, TensorBoardWriter writer)
    {
        trainer.Started += startStep =>
        {
            if (startStep > 0) writer.AddSessionStart(startStep + 1);
        };
        trainer.LogRowWritten += row =>
        {
            writer.AddScalar("train/loss", row.Step, row.Loss);
            writer.AddScalar("train/lr", row.Step, row.Lr);
            writer.AddScalar("train/images_per_s", row.Step, row.ImagesPerSecond);
        };
        trainer.SampleGridWritten += (step, path) => writer.AddPng("samples/ema", step, File.ReadAllBytes(path));
    }
}
