namespace SharpDiffusion.Interop.Export;

/// <summary>How exported weights are stored (docs/interop.md).</summary>
public enum ExportFormat
{
    /// <summary><c>model.safetensors</c>: Hugging Face's safetensors (JSON header + raw tensors; no pickle).</summary>
    Safetensors,
    /// <summary><c>model.pt</c>: a PyTorch zip state dict, for <c>torch.load(..., weights_only=True)</c>.</summary>
    Pytorch,
}
