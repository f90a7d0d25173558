using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Evaluation.Inception;

/// <summary>
/// The Inception-v3 of the 2015 TensorFlow graph that FID is defined on (Heusel et al. 2017), in the layout of
/// pytorch-fid's <c>fid_inception_v3</c>: torchvision's Inception3 with 1008 classes, no auxiliary head, and the
/// FID variants of the A, C and E blocks (pooling that ignores padding; max pool in the last block). Field names are
/// the state-dict keys of <c>pt_inception-2015-12-05-6726825d.pth</c>.
/// Input: [B, 3, 299, 299] scaled to [-1, 1]. Output: pool3 features [B, 2048] and logits [B, 1008], with or without
/// the fc bias (<see cref="InceptionLogits"/>).
/// </summary>
internal sealed class FidInceptionV3 : Module<Tensor, (Tensor Pool3, Tensor Logits)>
{
    public const int FeatureDim = 2048;
    public const int Classes = 1008;

    private readonly BasicConv2d Conv2d_1a_3x3;
    private readonly BasicConv2d Conv2d_2a_3x3;
    private readonly BasicConv2d Conv2d_2b_3x3;
    private readonly BasicConv2d Conv2d_3b_1x1;
    private readonly BasicConv2d Conv2d_4a_3x3;
    private readonly InceptionA Mixed_5b;
    private readonly InceptionA Mixed_5c;
    private readonly InceptionA Mixed_5d;
    private readonly InceptionB Mixed_6a;
    private readonly InceptionC Mixed_6b;
    private readonly InceptionC Mixed_6c;
    private readonly InceptionC Mixed_6d;
    private readonly InceptionC Mixed_6e;
    private readonly InceptionD Mixed_7a;
    private readonly InceptionE Mixed_7b;
    private readonly InceptionE Mixed_7c;
    private readonly Linear fc;
    private readonly InceptionLogits _logits;

    public FidInceptionV3(InceptionLogits logits = InceptionLogits.Unbiased)
        : base(nameof(FidInceptionV3))
    {
        _logits = logits;
        Conv2d_1a_3x3 = new BasicConv2d(3, 32, 3, stride: 2);
        Conv2d_2a_3x3 = new BasicConv2d(32, 32, 3);
        Conv2d_2b_3x3 = new BasicConv2d(32, 64, 3, padding: 1);
        Conv2d_3b_1x1 = new BasicConv2d(64, 80, 1);
        Conv2d_4a_3x3 = new BasicConv2d(80, 192, 3);
        Mixed_5b = new InceptionA(192, poolFeatures: 32);
        Mixed_5c = new InceptionA(256, poolFeatures: 64);
        Mixed_5d = new InceptionA(288, poolFeatures: 64);
        Mixed_6a = new InceptionB(288);
        Mixed_6b = new InceptionC(768, channels7x7: 128);
        Mixed_6c = new InceptionC(768, channels7x7: 160);
        Mixed_6d = new InceptionC(768, channels7x7: 160);
        Mixed_6e = new InceptionC(768, channels7x7: 192);
        Mixed_7a = new InceptionD(768);
        Mixed_7b = new InceptionE(1280, maxPoolBranch: false);
        Mixed_7c = new InceptionE(2048, maxPoolBranch: true);
        fc = Linear(FeatureDim, Classes);
        RegisterComponents();
    }

    public override (Tensor Pool3, Tensor Logits) forward(Tensor x)
    {
        x = Conv2d_2b_3x3.forward(Conv2d_2a_3x3.forward(Conv2d_1a_3x3.forward(x)));
        x = InceptionPools.MaxReduce(x);
        x = Conv2d_4a_3x3.forward(Conv2d_3b_1x1.forward(x));
        x = InceptionPools.MaxReduce(x);
        x = Mixed_5d.forward(Mixed_5c.forward(Mixed_5b.forward(x)));
        x = Mixed_6a.forward(x);
        x = Mixed_6e.forward(Mixed_6d.forward(Mixed_6c.forward(Mixed_6b.forward(x))));
        x = Mixed_7c.forward(Mixed_7b.forward(Mixed_7a.forward(x)));
        var pool3 = functional.adaptive_avg_pool2d(x, 1).flatten(1);
        return (pool3, InceptionLogitsKinds.Apply(pool3, fc.weight!, fc.bias!, _logits));
    }
}
