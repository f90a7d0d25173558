using TorchSharp;

namespace SharpDiffusion.Data;

/// <summary>
/// What training batches are drawn from: uint8 images [N, C, H, W] (pixel space; mirrored by flipping, <see cref="Mirrored"/>
/// null), or float32 examples already in the model's space (latents) with their mirror images' own copy. Owns the tensors.
/// </summary>
public sealed record TrainingExamples(torch.Tensor Examples, torch.Tensor? Mirrored, torch.Tensor Labels) : IDisposable
{
    public int Count => (int)Examples.shape[0];

    public void Dispose()
    {
        Examples.Dispose();
        Mirrored?.Dispose();
        Labels.Dispose();
    }
}
