using TorchSharp;
using TorchSharp.Modules;

namespace SharpDiffusion.Models;

/// <summary>The only way the models build normalisation layers.</summary>
public static class Norms
{
    /// <summary>
    /// <c>GroupNorm(groups, channels)</c> with weight 1 and bias 0. TorchSharp since 0.104 allocates GroupNorm's affine
    /// parameters with <c>torch.empty</c> and never resets them (see PLATFORM.md), so they must be set here.
    /// </summary>
    public static GroupNorm GroupNorm(int groups, long channels)
    {
        if (groups < 1 || channels % groups != 0)
            throw new ArgumentException($"GroupNorm needs the channel count ({channels}) to be a multiple of the group count ({groups}); choose model.groups to divide every channel count.");
        var norm = torch.nn.GroupNorm(groups, channels, eps: 1e-5);
        using (torch.no_grad())
        {
            torch.nn.init.ones_(norm.weight!);
            torch.nn.init.zeros_(norm.bias!);
        }
        return norm;
    }
}
