using SharpDiffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpDiffusion.Training.Fused;

/// <summary>
/// Mixed precision without autocast (TorchSharp has none): a bf16 copy of the model runs forward and backward, while the fp32
/// master weights, their gradients and the optimizer stay fp32 (Micikevicius et al. 2018, "master weights"). Both copies are
/// flattened in the same parameter order, so the two casts per step are one kernel each: bf16 gradients → fp32 master
/// gradients after backward, fp32 weights → bf16 copy after the update.
/// </summary>
public sealed class LowPrecisionCopy : IDisposable
{
    private readonly FlatParameters _master;

    /// <summary>The bf16 network that forward and backward run on.</summary>
    public UNet Model { get; }

    public FlatParameters Parameters { get; }

    /// <param name="master">The fp32 model's parameters with gradient buffers.</param>
    /// <param name="model">A freshly built network of the same configuration, on the same device (converted to bf16 here).</param>
    public LowPrecisionCopy(FlatParameters master, UNet model, ScalarType dtype = ScalarType.BFloat16)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(model);
        _master = master;
        // Converting replaces the parameters (PLATFORM.md), so it happens before flattening.
        Model = model.to(dtype);
        Parameters = new FlatParameters(Model, withGradients: true);
        if (!Parameters.LinesUpWith(master)) throw new ArgumentException("the low-precision copy must have the same parameters as the master model");
        CopyWeightsFromMaster();
    }

    /// <summary>bf16 weights ← fp32 master weights (round to nearest even).</summary>
    public void CopyWeightsFromMaster()
    {
        using var _ = no_grad();
        for (int g = 0; g < _master.Groups.Count; g++) Parameters.Groups[g].Values.copy_(_master.Groups[g].Values);
    }

    /// <summary>fp32 master gradients ← bf16 gradients (exact: every bf16 value is an fp32 value).</summary>
    public void CopyGradientsToMaster()
    {
        using var _ = no_grad();
        for (int g = 0; g < _master.Groups.Count; g++) _master.Groups[g].Gradients!.copy_(Parameters.Groups[g].Gradients!);
    }

    public void Dispose()
    {
        Parameters.Dispose();
        Model.Dispose();
    }
}
