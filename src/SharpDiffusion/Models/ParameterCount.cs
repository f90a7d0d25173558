using static TorchSharp.torch;

namespace SharpDiffusion.Models;

public static class ParameterCount
{
    /// <summary>Number of trainable scalars (parameters with <c>requires_grad</c>) in <paramref name="module"/>.</summary>
    public static long Of(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        long total = 0;
        foreach (var parameter in module.parameters())
            if (parameter.requires_grad) total += parameter.numel();
        return total;
    }
}
