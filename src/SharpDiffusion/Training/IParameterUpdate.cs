using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training;

/// <summary>
/// How a step's gradients become new weights: which copy of the model runs forward/backward, gradient clipping, the optimizer
/// and the EMA. <see cref="ParameterUpdates.Create"/> picks the implementation from training.optimizer and training.precision.
/// </summary>
public interface IParameterUpdate : IDisposable
{
    /// <summary>The dtype the forward pass takes its input in.</summary>
    ScalarType ComputeType { get; }

    /// <summary>Learning-rate controllers; the step sets them before every update.</summary>
    IEnumerable<optim.ILearningRateController> ParamGroups { get; }

    void ZeroGrad();

    /// <summary>
    /// After backward: clips the gradient norm, updates the weights and the EMA after step <paramref name="stepNumber"/> (1-based), all
    /// only if the gradient norm is finite. Returns that as a 0-dim bool tensor on the device.
    /// </summary>
    /// <param name="phaseEnded">Profiling only: called after clipping, the optimizer and the EMA (<see cref="StepPhases"/>).</param>
    Tensor Apply(int stepNumber, Action<string>? phaseEnded = null);

    /// <summary>The optimizer state a checkpoint stores (TorchSharp's Adam/AdamW format for every implementation).</summary>
    optim.Optimizer Checkpointed { get; }

    /// <summary>Call before saving <see cref="Checkpointed"/>.</summary>
    void PrepareSave();

    /// <summary>Call after the model, EMA and <see cref="Checkpointed"/> were loaded from a checkpoint.</summary>
    void AfterLoad();
}

/// <summary>An <see cref="IParameterUpdate"/> of a network of type <typeparamref name="TModel"/> (the U-Net, the autoencoder).</summary>
public interface IParameterUpdate<out TModel> : IParameterUpdate where TModel : nn.Module
{
    /// <summary>The network forward and backward run on: the trained model itself, or its bf16 copy.</summary>
    TModel ForwardModel { get; }
}
