using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Evaluation.Inception;

/// <summary>The pooling branches of the FID Inception blocks.</summary>
internal static class InceptionPools
{
    /// <summary>
    /// 3×3 average pool, stride 1, padding 1, not counting the padding: the 2015 TF graph averages only real pixels at the
    /// border, which is why pytorch-fid replaces torchvision's blocks (torchvision counts the padding).
    /// </summary>
    public static Tensor AverageExcludingPadding(Tensor x) =>
        functional.avg_pool2d(x, kernel_size: 3, stride: 1, padding: 1, count_include_pad: false);

    /// <summary>3×3 max pool, stride 1, padding 1: the last block of the TF graph (a quirk pytorch-fid keeps).</summary>
    public static Tensor MaxSamePadding(Tensor x) => functional.max_pool2d(x, kernel_size: 3, stride: 1, padding: 1);

    /// <summary>3×3 max pool, stride 2, no padding: the reduction blocks and the stem.</summary>
    public static Tensor MaxReduce(Tensor x) => functional.max_pool2d(x, kernel_size: 3, stride: 2);
}
