using SharpDiffusion.Evaluation;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace SharpDiffusion.Models.Perceptual;

/// <summary>
/// The ImageNet ResNet-18 that evaluation runs with ONNX Runtime (<see cref="ResNet18OnnxExtractor"/>), as a frozen
/// differentiable TorchSharp network built from the same two ONNX files: the package's preprocessing (RGB 0–255 → BGR minus
/// a per-pixel mean image, no division by a standard deviation) and the network's weights (<see cref="OnnxConvNet"/>).
/// At 224×224 its pooled output is the extractor's 512-d feature; at other sizes the mean image is resized to the input
/// (bilinear, antialiased when shrinking), which the convolutional layers do not mind.
/// </summary>
public sealed class ImageNetResNet18 : Module<Tensor, Tensor>
{
    private const string MeanImageName = "MeanImage";
    private readonly OnnxConvNet network;
    private readonly Tensor mean_image;
    private readonly Dictionary<(long, long), Tensor> _meanBySize = [];

    /// <param name="modelDirectory">The DnnImageModels folder (default: next to the application, where the build copies it).</param>
    public ImageNetResNet18(string? modelDirectory = null) : base(nameof(ImageNetResNet18))
    {
        var directory = modelDirectory ?? ResNet18OnnxExtractor.DefaultModelDirectory;
        network = new OnnxConvNet(ReadGraph(Path.Combine(directory, ResNet18OnnxExtractor.NetworkFile)));
        var preprocess = ReadGraph(Path.Combine(directory, ResNet18OnnxExtractor.PreprocessFile));
        if (!preprocess.Initializers.TryGetValue(MeanImageName, out var mean) || !mean.Dims.SequenceEqual([1L, 3, ResNet18OnnxExtractor.InputSize, ResNet18OnnxExtractor.InputSize]))
            throw new InvalidDataException($"'{ResNet18OnnxExtractor.PreprocessFile}' holds no 1×3×224×224 MeanImage; restore the original Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 package.");
        mean_image = tensor(mean.Values, mean.Dims, ScalarType.Float32).DetachFromDisposeScope();
        RegisterComponents();
        foreach (var p in parameters()) p.requires_grad = false;
        eval();
    }

    /// <summary>The pooled 512-d features [B, 512] of RGB pixels [B, 3, 224, 224] in 0–255 (the extractor's protocol).</summary>
    public override Tensor forward(Tensor pixels)
    {
        using var scope = NewDisposeScope();
        return network.call(Prepare(pixels)).flatten(1).MoveToOuterDisposeScope();
    }

    /// <summary>Every residual block's output for RGB pixels [B, 3, H, W] in 0–255 (graph order; 8 blocks in ResNet-18).</summary>
    public IReadOnlyList<Tensor> BlockActivations(Tensor pixels) => network.Activations(Prepare(pixels));

    /// <summary>RGB → BGR, minus the mean image at the input's size.</summary>
    private Tensor Prepare(Tensor pixels)
    {
        if (pixels.dim() != 4 || pixels.shape[1] != 3)
            throw new ArgumentException($"ImageNetResNet18 needs RGB pixels [B, 3, H, W], got [{string.Join(", ", pixels.shape)}].", nameof(pixels));
        return pixels.flip(1) - MeanAt(pixels.shape[2], pixels.shape[3], pixels.device);
    }

    private Tensor MeanAt(long height, long width, Device device)
    {
        if (_meanBySize.TryGetValue((height, width), out var cached) && cached.device == device) return cached;
        using var _ = no_grad();
        bool shrinking = height < mean_image.shape[2] || width < mean_image.shape[3];
        var resized = height == mean_image.shape[2] && width == mean_image.shape[3]
            ? mean_image.to(device)
            : functional.interpolate(mean_image.to(device), [height, width], mode: InterpolationMode.Bilinear, align_corners: false, antialias: shrinking);
        resized = resized.DetachFromDisposeScope();
        _meanBySize[(height, width)] = resized;
        return resized;
    }

    private static OnnxGraph ReadGraph(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"The ResNet-18 ONNX model file '{path}' is missing; restore the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 and rebuild so that DnnImageModels/ is copied next to the application.", path);
        try
        {
            return OnnxGraph.Read(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not the expected model ({e.Message}); restore the original Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 package.", e);
        }
    }
}
