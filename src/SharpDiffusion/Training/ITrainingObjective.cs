using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>Images [N, C, H, W] in [0, 1] for a sample grid, laid out <paramref name="Columns"/> per row (null: square-ish).</summary>
public sealed record SampleGridImages(Tensor Images, int? Columns) : IDisposable
{
    public void Dispose() => Images.Dispose();
}

/// <summary>
/// What one training step optimises, for a model family: it owns the networks, their EMA copies and optimizers, and knows
/// what a checkpoint stores and what a sample grid shows. <see cref="Trainer"/> owns the loop, the data, the generator and
/// the order of the periodic actions, the same for every objective.
/// </summary>
public interface ITrainingObjective : IDisposable
{
    /// <summary>What a checkpoint stores besides its metadata (the generator is the trainer's).</summary>
    CheckpointFile.State StateWith(Generator generator);

    /// <summary>
    /// Step <paramref name="stepNumber"/> (1-based) on a batch of images in [−1, 1] and their labels: forward, backward and update.
    /// Returns the loss (fp32, detached) and whether the update was applied (0-dim bool), both on the device.
    /// </summary>
    /// <remarks>Called inside the step's dispose scope; the returned tensors belong to it.</remarks>
    (Tensor Loss, Tensor Applied) Optimise(int stepNumber, Tensor images, Tensor labels, Generator generator);

    /// <summary>Puts the trained networks in training mode (before the first step and after a sample grid).</summary>
    void Train();

    /// <summary>Call before a checkpoint is saved.</summary>
    void PrepareSave();

    /// <summary>Call after a checkpoint was loaded into <see cref="StateWith"/>.</summary>
    void AfterLoad();

    /// <summary>The EMA model's sample grid now; the caller disposes it.</summary>
    SampleGridImages SampleGrid();
}
