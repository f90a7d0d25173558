using SharpDiffusion.Config;
using SharpDiffusion.Sampling;
using SharpDiffusion.Training;
using SkiaSharp;
using TorchSharp;

namespace SharpDiffusion.Data;

/// <summary>Reading single images into tensors and writing tensors (one image or a grid) as PNG.</summary>
public static class ImageCodec
{
    // held Scalars: see Scaled
    private static readonly Scalar UnitShift = 1.ToScalar();
    private static readonly Scalar HalfByteRange = 127.5.ToScalar();
    private static readonly Scalar ByteMin = 0.ToScalar();
    private static readonly Scalar ByteMax = 255.ToScalar();
    private static readonly Scalar Two = 2.ToScalar();
    private static readonly Scalar Zero = 0.ToScalar();

    /// <summary>Writes <paramref name="image"/> (uint8, or float in [0, 1]; [C, H, W] with C = 1 or 3) as PNG, atomically (<see cref="AtomicFile"/>).</summary>
    public static void SavePng(torch.Tensor image, string path)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (image.dim() != 3 || image.shape[0] is not (1 or 3))
            throw new ArgumentException($"Expected an image [C, H, W] with C = 1 or 3, got shape [{string.Join(", ", image.shape)}].", nameof(image));

        using var scope = torch.NewDisposeScope();
        var channels = (int)image.shape[0];
        var height = (int)image.shape[1];
        var width = (int)image.shape[2];
        // Interleave to [H, W, C] so the bytes are Skia's pixel layout.
        var pixels = AsUint8(image).cpu().permute(1, 2, 0).contiguous().data<byte>().ToArray();
        if (channels == 3)
            pixels = AddOpaqueAlpha(pixels);

        var colorType = channels == 1 ? SKColorType.Gray8 : SKColorType.Rgba8888;
        var info = new SKImageInfo(width, height, colorType, SKAlphaType.Opaque);
        using var skImage = SKImage.FromPixelCopy(info, pixels);
        using var encoded = skImage.Encode(SKEncodedImageFormat.Png, 100);
        byte[] png = encoded.ToArray();
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>Maps uint8 [0, 255] to float32 [-1, 1]: x / 127.5 − 1 (the training data's sample space).</summary>
    public static torch.Tensor FromUint8(torch.Tensor pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        return pixels.to(torch.float32).div(HalfByteRange).sub(Scaled.One);
    }

    /// <summary>Maps [-1, 1] floats to [0, 1] for saving: (x + 1) / 2, clamped.</summary>
    public static torch.Tensor ToUnit(torch.Tensor imagesMinus1To1)
    {
        ArgumentNullException.ThrowIfNull(imagesMinus1To1);
        using var scope = torch.NewDisposeScope();
        return imagesMinus1To1.Plus(UnitShift).div(Two).clamp(Zero, UnitShift).MoveToOuterDisposeScope();
    }

    /// <summary>Maps [-1, 1] floats to uint8 [0, 255]: round((x + 1) · 127.5), clamped.</summary>
    public static torch.Tensor ToUint8(torch.Tensor imagesMinus1To1)
    {
        ArgumentNullException.ThrowIfNull(imagesMinus1To1);
        using var scope = torch.NewDisposeScope();
        return imagesMinus1To1.to(torch.float32).Plus(UnitShift).mul(HalfByteRange).round().clamp(ByteMin, ByteMax).to(torch.uint8).MoveToOuterDisposeScope();
    }

    /// <summary>Columns of a grid of <paramref name="count"/> images when none are given: ⌈√count⌉, a near-square grid.</summary>
    public static int DefaultColumns(int count) => Math.Max(1, (int)Math.Ceiling(Math.Sqrt(count)));

    /// <summary>Smallest side a grid tile is shown at; smaller images are enlarged by an integer factor to reach it.</summary>
    public const int GridTileMinimum = 64;

    /// <summary>The integer enlargement that brings a tile of side <paramref name="size"/> to at least <see cref="GridTileMinimum"/> px (1 from 64 up).</summary>
    public static int GridScale(int size) => Math.Max(1, (GridTileMinimum + size - 1) / Math.Max(1, size));

    /// <summary>
    /// Writes a grid of images [B, C, H, W] (uint8, or float in [0, 1]) as one PNG: <paramref name="columns"/> per row
    /// (default ⌈√B⌉), <paramref name="padding"/> black pixels around and between them; the last row may be partial.
    /// Each image is enlarged <paramref name="scale"/> times with nearest-neighbour (whole pixels, nothing invented), so
    /// that 16×16 or 24×24 samples can be looked at; the padding is not scaled.
    /// </summary>
    public static void SaveGrid(torch.Tensor images, string path, int? columns = null, int padding = 2, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[0] == 0)
            throw new ArgumentException($"Expected images [B, C, H, W] with B ≥ 1, got shape [{string.Join(", ", images.shape)}].", nameof(images));
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);

        using var scope = torch.NewDisposeScope();
        var count = (int)images.shape[0];
        var cols = Math.Clamp(columns ?? DefaultColumns(count), 1, count);
        var rows = (count + cols - 1) / cols;
        var channels = images.shape[1];
        var height = (int)images.shape[2] * scale;
        var width = (int)images.shape[3] * scale;
        var source = AsUint8(images).cpu();
        if (scale > 1) source = source.repeat_interleave(scale, dim: 2).repeat_interleave(scale, dim: 3);
        var grid = torch.zeros([channels, padding + (rows * (height + padding)), padding + (cols * (width + padding))], torch.uint8);
        for (var i = 0; i < count; i++)
        {
            var top = padding + (i / cols * (height + padding));
            var left = padding + (i % cols * (width + padding));
            grid[.., top..(top + height), left..(left + width)] = source[i];
        }

        SavePng(grid, path);
    }

    /// <summary>Reads one image file and brings it to uint8 [channels, size, size]; throws <see cref="DataException"/> when it cannot be used.</summary>
    public static torch.Tensor LoadImage(string path, int size, int channels, ResizePolicy policy)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (channels is not (1 or 3))
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be 1 or 3.");

        byte[] encoded;
        try
        {
            encoded = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataException($"Image '{path}' could not be read ({e.Message}); check the path and its permissions.");
        }

        var pixels = Preprocess(encoded, path, size, channels, policy);
        return torch.tensor(pixels, [channels, size, size], torch.uint8);
    }

    /// <summary>Decode plus resize: planar uint8 [channels, size, size].</summary>
    internal static byte[] Preprocess(byte[] encoded, string name, int size, int channels, ResizePolicy policy)
    {
        var decoded = ImageDecoder.Decode(encoded, name);
        return ResizePipeline.Apply(decoded.Rgba, decoded.Width, decoded.Height, pixelStride: 4, sourceChannels: 3, size, channels, policy);
    }

    private static torch.Tensor AsUint8(torch.Tensor image) =>
        image.dtype == torch.uint8
            ? image
            : image.to(torch.float32).mul(ByteMax).round().clamp(ByteMin, ByteMax).to(torch.uint8);

    private static byte[] AddOpaqueAlpha(byte[] rgb)
    {
        var rgba = new byte[rgb.Length / 3 * 4];
        for (int i = 0, j = 0; i < rgb.Length; i += 3, j += 4)
        {
            rgba[j] = rgb[i];
            rgba[j + 1] = rgb[i + 1];
            rgba[j + 2] = rgb[i + 2];
            rgba[j + 3] = 255;
        }

        return rgba;
    }
}
