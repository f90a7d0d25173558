using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpDiffusion.Models;

/// <summary>
/// Floating-point operations of one forward pass, counted by running it once with hooks: a convolution costs
/// 2·out.numel()·(C_in/groups)·k_h·k_w, a linear layer 2·out.numel()·in_features, attention 4·B·T²·(heads·head_dim) for
/// QKᵀ and the weighted sum. Norms, activations, additions and a super-resolution stage's upsampling of its input are left
/// out (as in the usual MFU convention). A training step is counted as 3× the forward (backward ≈ 2× forward).
/// </summary>
public static class ModelFlops
{
    public static double Forward(UNet model, long batch, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        double flops = 0;
        var removers = new List<Action>();
        foreach (var module in model.modules())
        {
            switch (module)
            {
                case Convolution conv:
                    removers.Add(conv.register_forward_hook((m, input, output) =>
                    {
                        var w = conv.weight!.shape;
                        flops += 2.0 * output.numel() * w[1] * w[2] * w[3];
                        return output;
                    }).remove);
                    break;
                case Linear linear:
                    removers.Add(linear.register_forward_hook((m, input, output) =>
                    {
                        flops += 2.0 * output.numel() * linear.weight!.shape[1];
                        return output;
                    }).remove);
                    break;
                case SelfAttention attention:
                    removers.Add(attention.register_forward_hook((m, input, output) =>
                    {
                        long tokens = input.shape[2] * input.shape[3];
                        flops += 4.0 * input.shape[0] * tokens * tokens * attention.InnerChannels;
                        return output;
                    }).remove);
                    break;
            }
        }
        try
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var dtype = model.parameters().First().dtype;
            var x = zeros([batch, model.Channels, model.ImageSize, model.ImageSize], dtype, device);
            var t = zeros([batch], ScalarType.Int64, device);
            model.forward(x, t, SomeCondition(model, batch, dtype, device));
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        return flops;
    }

    /// <summary>
    /// A condition of the kinds the network needs: nothing (the null class) for the base family, a zero low-resolution image
    /// at level 0 for a super-resolution stage. The count does not depend on the values.
    /// </summary>
    private static Conditioning SomeCondition(UNet model, long batch, ScalarType dtype, Device device) =>
        model.Accepts.LowResolution is { } low
            ? new Conditioning
            {
                LowResolution = zeros([batch, model.Channels, low.InputSize, low.InputSize], dtype, device),
                AugmentationLevel = zeros([batch], ScalarType.Float32, device),
            }
            : Conditioning.None;
}
