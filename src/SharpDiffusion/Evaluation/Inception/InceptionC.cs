using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Evaluation.Inception;

/// <summary>Mixed_6b–6e (Szegedy et al. 2016, fig. 6): factorised 7×7 convolutions as 1×7 and 7×1 pairs, 768 channels out.</summary>
internal sealed class InceptionC : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1;
    private readonly BasicConv2d branch7x7_1;
    private readonly BasicConv2d branch7x7_2;
    private readonly BasicConv2d branch7x7_3;
    private readonly BasicConv2d branch7x7dbl_1;
    private readonly BasicConv2d branch7x7dbl_2;
    private readonly BasicConv2d branch7x7dbl_3;
    private readonly BasicConv2d branch7x7dbl_4;
    private readonly BasicConv2d branch7x7dbl_5;
    private readonly BasicConv2d branch_pool;

    public InceptionC(long inChannels, long channels7x7)
        : base(nameof(InceptionC))
    {
        var c = channels7x7;
        branch1x1 = new BasicConv2d(inChannels, 192, 1);
        branch7x7_1 = new BasicConv2d(inChannels, c, 1);
        branch7x7_2 = new BasicConv2d(c, c, (1, 7), padding: (0, 3));
        branch7x7_3 = new BasicConv2d(c, 192, (7, 1), padding: (3, 0));
        branch7x7dbl_1 = new BasicConv2d(inChannels, c, 1);
        branch7x7dbl_2 = new BasicConv2d(c, c, (7, 1), padding: (3, 0));
        branch7x7dbl_3 = new BasicConv2d(c, c, (1, 7), padding: (0, 3));
        branch7x7dbl_4 = new BasicConv2d(c, c, (7, 1), padding: (3, 0));
        branch7x7dbl_5 = new BasicConv2d(c, 192, (1, 7), padding: (0, 3));
        branch_pool = new BasicConv2d(inChannels, 192, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var b7 = branch7x7_3.forward(branch7x7_2.forward(branch7x7_1.forward(x)));
        var d7 = branch7x7dbl_1.forward(x);
        d7 = branch7x7dbl_5.forward(branch7x7dbl_4.forward(branch7x7dbl_3.forward(branch7x7dbl_2.forward(d7))));
        return cat([branch1x1.forward(x), b7, d7, branch_pool.forward(InceptionPools.AverageExcludingPadding(x))], 1);
    }
}
