using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>Brings uint8 image batches to the 3-channel RGB layout every extractor expects.</summary>
public static class RgbImages
{
    /// <summary>
    /// uint8 [N, 1 or 3, H, W] → uint8 [N, 3, H, W]. Grayscale is repeated into R = G = B, which is what
    /// PIL's <c>convert("RGB")</c> does when pytorch-fid reads a grayscale file.
    /// </summary>
    public static torch.Tensor Ensure(torch.Tensor imagesUint8)
    {
        ArgumentNullException.ThrowIfNull(imagesUint8);
        if (imagesUint8.dtype != torch.uint8 || imagesUint8.dim() != 4 || imagesUint8.shape[1] is not (1 or 3))
        {
            throw new EvaluationException($"Feature extraction needs uint8 images [N, 1 or 3, H, W], but got {imagesUint8.dtype} [{string.Join(", ", imagesUint8.shape)}]; decode the images as grayscale or RGB first.");
        }

        return imagesUint8.shape[1] == 3 ? imagesUint8.alias() : imagesUint8.expand(-1, 3, -1, -1).contiguous();
    }
}
