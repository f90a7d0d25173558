using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// One U-Net layout's module tree. It is not itself a module: <see cref="UNet"/> registers its top-level modules under
/// <see cref="NamedModules"/>' names, so the state_dict keys are those names (docs/model.md) with no wrapper prefix.
/// </summary>
internal interface IUNetNetwork
{
    /// <summary>The top-level modules in state_dict order, named by their checkpoint key prefix.</summary>
    IEnumerable<(string Name, Module Module)> NamedModules { get; }

    /// <param name="x">Noisy images [B, C, H, W], for a super-resolution network with the upsampled low-resolution image concatenated (2C channels).</param>
    /// <param name="t">Timesteps int64 [B].</param>
    /// <param name="classIndices">Class embedding rows int64 [B] (<see cref="ConditioningSpec.ClassIndices"/>) when class-conditional, otherwise null.</param>
    /// <param name="augmentationLevel">Super-resolution only: the low-resolution image's augmentation level s, float [B] in [0, 1]; otherwise null.</param>
    /// <param name="augmentationLabels">With data.augment only: the non-leaking augmentation's labels, float [B, 9] (zeros: not augmented); otherwise null.</param>
    Tensor Forward(Tensor x, Tensor t, Tensor? classIndices, Tensor? augmentationLevel, Tensor? augmentationLabels);
}
