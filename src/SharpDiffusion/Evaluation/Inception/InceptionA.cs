using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Evaluation.Inception;

/// <summary>Mixed_5b/5c/5d (Szegedy et al. 2016, fig. 5): 1×1, 5×5, double 3×3 and pool branches, 224 + pool channels out.</summary>
internal sealed class InceptionA : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1;
    private readonly BasicConv2d branch5x5_1;
    private readonly BasicConv2d branch5x5_2;
    private readonly BasicConv2d branch3x3dbl_1;
    private readonly BasicConv2d branch3x3dbl_2;
    private readonly BasicConv2d branch3x3dbl_3;
    private readonly BasicConv2d branch_pool;

    public InceptionA(long inChannels, long poolFeatures)
        : base(nameof(InceptionA))
    {
        branch1x1 = new BasicConv2d(inChannels, 64, 1);
        branch5x5_1 = new BasicConv2d(inChannels, 48, 1);
        branch5x5_2 = new BasicConv2d(48, 64, 5, padding: 2);
        branch3x3dbl_1 = new BasicConv2d(inChannels, 64, 1);
        branch3x3dbl_2 = new BasicConv2d(64, 96, 3, padding: 1);
        branch3x3dbl_3 = new BasicConv2d(96, 96, 3, padding: 1);
        branch_pool = new BasicConv2d(inChannels, poolFeatures, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => cat(
        [
            branch1x1.forward(x),
            branch5x5_2.forward(branch5x5_1.forward(x)),
            branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x))),
            branch_pool.forward(InceptionPools.AverageExcludingPadding(x)),
        ],
        1);
}
