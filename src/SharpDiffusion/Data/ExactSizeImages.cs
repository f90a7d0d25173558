using System.Globalization;

namespace SharpDiffusion.Data;

/// <summary>
/// A folder of images that must already be one given size (the input of a super-resolution stage): each is decoded,
/// converted to the channel count as training data is, and refused — not resized — when its size differs, so nothing the
/// user gave is changed behind their back.
/// </summary>
public static class ExactSizeImages
{
    /// <returns>uint8 [N, channels, size, size] and each image's file name without extension, in the scanner's order.</returns>
    public static (TorchSharp.torch.Tensor Images, IReadOnlyList<string> Names) Load(string folder, int size, int channels)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder)) throw new DataException($"image folder '{folder}' does not exist; pass a folder of {size}×{size} images to --images.");
        var files = ImageFolderScanner.Scan(folder).Files;
        if (files.Count == 0) throw new DataException($"'{folder}' holds no images; pass a folder of {size}×{size} PNG or JPEG files.");
        int plane = channels * size * size;
        var pixels = new byte[(long)files.Count * plane];
        var names = new List<string>(files.Count);
        for (int i = 0; i < files.Count; i++)
        {
            var image = files[i].Decode(folder);
            if (image.Width != size || image.Height != size)
                throw new DataException(string.Create(CultureInfo.InvariantCulture,
                    $"image '{files[i].DisplayName}' is {image.Width}×{image.Height} but this upscaler takes {size}×{size} images; resize them to {size}×{size} first (they are not resized for you)."));
            // Same size in and out: the resampler is the identity here and only the channel conversion acts.
            ResizePipeline.Apply(image.Rgba, size, size, pixelStride: 4, sourceChannels: 3, size, channels, Config.ResizePolicy.Squash)
                .CopyTo(pixels.AsSpan((int)((long)i * plane), plane));
            names.Add(Path.GetFileNameWithoutExtension(files[i].FullPath));
        }
        return (TorchSharp.torch.tensor(pixels, [files.Count, channels, size, size], TorchSharp.torch.uint8), names);
    }
}
