using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Evaluation.Inception;

/// <summary>
/// Mixed_7b/7c (Szegedy et al. 2016, fig. 7): expanded 3×3 branches split into parallel 1×3 and 3×1, 2048 channels out.
/// The pool branch averages without padding in Mixed_7b and max-pools in Mixed_7c, as the TF graph does.
/// </summary>
internal sealed class InceptionE : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1;
    private readonly BasicConv2d branch3x3_1;
    private readonly BasicConv2d branch3x3_2a;
    private readonly BasicConv2d branch3x3_2b;
    private readonly BasicConv2d branch3x3dbl_1;
    private readonly BasicConv2d branch3x3dbl_2;
    private readonly BasicConv2d branch3x3dbl_3a;
    private readonly BasicConv2d branch3x3dbl_3b;
    private readonly BasicConv2d branch_pool;
    private readonly bool maxPool;

    public InceptionE(long inChannels, bool maxPoolBranch)
        : base(nameof(InceptionE))
    {
        branch1x1 = new BasicConv2d(inChannels, 320, 1);
        branch3x3_1 = new BasicConv2d(inChannels, 384, 1);
        branch3x3_2a = new BasicConv2d(384, 384, (1, 3), padding: (0, 1));
        branch3x3_2b = new BasicConv2d(384, 384, (3, 1), padding: (1, 0));
        branch3x3dbl_1 = new BasicConv2d(inChannels, 448, 1);
        branch3x3dbl_2 = new BasicConv2d(448, 384, 3, padding: 1);
        branch3x3dbl_3a = new BasicConv2d(384, 384, (1, 3), padding: (0, 1));
        branch3x3dbl_3b = new BasicConv2d(384, 384, (3, 1), padding: (1, 0));
        branch_pool = new BasicConv2d(inChannels, 192, 1);
        maxPool = maxPoolBranch;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var b3 = branch3x3_1.forward(x);
        var d3 = branch3x3dbl_2.forward(branch3x3dbl_1.forward(x));
        var pooled = maxPool ? InceptionPools.MaxSamePadding(x) : InceptionPools.AverageExcludingPadding(x);
        return cat(
            [
                branch1x1.forward(x),
                branch3x3_2a.forward(b3), branch3x3_2b.forward(b3),
                branch3x3dbl_3a.forward(d3), branch3x3dbl_3b.forward(d3),
                branch_pool.forward(pooled),
            ],
            1);
    }
}
