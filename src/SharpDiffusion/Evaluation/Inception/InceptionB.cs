using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Evaluation.Inception;

/// <summary>Mixed_6a, the 35→17 grid reduction (Szegedy et al. 2016, fig. 10): stride-2 3×3, double 3×3 and max-pool branches.</summary>
internal sealed class InceptionB : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch3x3;
    private readonly BasicConv2d branch3x3dbl_1;
    private readonly BasicConv2d branch3x3dbl_2;
    private readonly BasicConv2d branch3x3dbl_3;

    public InceptionB(long inChannels)
        : base(nameof(InceptionB))
    {
        branch3x3 = new BasicConv2d(inChannels, 384, 3, stride: 2);
        branch3x3dbl_1 = new BasicConv2d(inChannels, 64, 1);
        branch3x3dbl_2 = new BasicConv2d(64, 96, 3, padding: 1);
        branch3x3dbl_3 = new BasicConv2d(96, 96, 3, stride: 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => cat(
        [
            branch3x3.forward(x),
            branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x))),
            InceptionPools.MaxReduce(x),
        ],
        1);
}
