using SharpDiffusion.Sampling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models;

/// <summary>
/// denoising-diffusion-pytorch 2.x's channel RMSNorm: y = x / max(‖x‖₂, 1e-12) · √C · g, the norm taken over the C
/// channels at each position (F.normalize(x, dim=1) · g · √C). The gain <c>g</c> [1, C, 1, 1] starts at 1; there is no bias.
/// </summary>
public sealed class RmsNorm : Module<Tensor, Tensor>
{
    // F.normalize's default ε: guards the all-zero vector only.
    private const double NormFloor = 1e-12;
    private static readonly Scalar NormFloorScalar = NormFloor.ToScalar(); // held: see Sampling/Scaled
    private readonly double _scale;
    // Named like denoising-diffusion-pytorch's parameter so the state_dict key is "<prefix>.g".
    private Parameter g;

    public RmsNorm(long channels) : base(nameof(RmsNorm))
    {
        if (channels < 1) throw new ArgumentException($"RMSNorm needs at least one channel (got {channels}).");
        _scale = Math.Sqrt(channels);
        g = new Parameter(ones(1, channels, 1, 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var norm = x.square().sum(1, keepdim: true).sqrt().clamp_min(NormFloorScalar);
        return (x / norm * Scaled.By(g, _scale)).MoveToOuterDisposeScope();
    }
}
