using System.Globalization;
using SharpDiffusion.Data;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// Reads a folder of images (loose files or class subfolders, as <c>ddpm train</c> finds them) at their own size for
/// feature extraction: uint8 [N, 3, H, W]. Grayscale and transparent files are converted to RGB (alpha over white,
/// as training data is); sizes are not changed, so every image must have the same size.
/// </summary>
public static class ImageFolderImages
{
    public static torch.Tensor Load(string folder, IProgress<(int Done, int Total)>? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var listing = ImageFolderScanner.Scan(folder);
        var files = listing.Files;
        if (files.Count < 2)
        {
            throw new EvaluationException($"'{folder}' holds {files.Count} image; feature statistics need at least 2 images, so add more.");
        }

        byte[]? pixels = null;
        int width = 0, height = 0;
        for (var i = 0; i < files.Count; i++)
        {
            var image = files[i].Decode(folder);
            if (pixels is null)
            {
                (width, height) = (image.Width, image.Height);
                pixels = new byte[(long)files.Count * 3 * width * height];
            }
            else if (image.Width != width || image.Height != height)
            {
                throw new EvaluationException(string.Create(CultureInfo.InvariantCulture,
                    $"Images in '{folder}' have mixed sizes: '{files[0].DisplayName}' is {width}×{height} but '{files[i].DisplayName}' is {image.Width}×{image.Height}; resize them to one size first."));
            }

            var plane = width * height;
            var offset = (long)i * 3 * plane;
            for (var p = 0; p < plane; p++)
            {
                pixels[offset + p] = image.Rgba[4 * p];
                pixels[offset + plane + p] = image.Rgba[(4 * p) + 1];
                pixels[offset + (2 * plane) + p] = image.Rgba[(4 * p) + 2];
            }

            progress?.Report((i + 1, files.Count));
        }

        return torch.tensor(pixels!, [files.Count, 3, height, width], torch.uint8);
    }
}
