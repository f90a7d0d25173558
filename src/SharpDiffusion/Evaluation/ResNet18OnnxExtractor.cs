using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// ImageNet-trained ResNet-18 (He et al. 2016) from NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, run on
/// the CPU with ONNX Runtime. Features are the 512-d global-average-pooled activations before the classifier (the
/// package's graph ends there, so there are no logits and no IS). The default extractor when no Inception weights
/// are given: a Fréchet distance on these features is reported as "FD-ResNet18", never as FID.
/// <para>
/// Inputs follow the package's own preprocessing graph (ResNetPreprocess.onnx, run here unchanged): RGB float pixels
/// in 0–255 at 224×224, reordered to BGR minus a per-pixel ImageNet mean image (≈ 103.1, 115.9, 123.2), with no
/// division by a standard deviation (the CNTK/Caffe ResNet convention). Images are resized with bilinear
/// interpolation (antialiased when shrinking). Both graphs have a fixed batch of 1, so a batch runs image by image.
/// </para>
/// </summary>
public sealed class ResNet18OnnxExtractor : IFeatureExtractor
{
    public const string ExtractorName = "resnet18";
    public const int InputSize = 224;
    private const int Dim = 512;

    private readonly InferenceSession _preprocess;
    private readonly InferenceSession _network;
    private readonly string _preprocessInput;
    private readonly string _networkInput;

    /// <param name="modelDirectory">The folder holding ResNet18Onnx/ and ResNetPrepOnnx/; by default the DnnImageModels
    /// folder that the build copies next to the application.</param>
    public ResNet18OnnxExtractor(string? modelDirectory = null)
    {
        var directory = modelDirectory ?? DefaultModelDirectory;
        var networkPath = Path.Combine(directory, "ResNet18Onnx", "ResNet18.onnx");
        var preprocessPath = Path.Combine(directory, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        foreach (var path in new[] { networkPath, preprocessPath })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The ResNet-18 ONNX model file '{path}' is missing; restore the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 and rebuild so that DnnImageModels/ is copied next to the application.", path);
            }
        }

        _preprocess = new InferenceSession(preprocessPath);
        try
        {
            _network = new InferenceSession(networkPath);
        }
        catch
        {
            _preprocess.Dispose();
            throw;
        }

        _preprocessInput = SingleInput(_preprocess, preprocessPath);
        _networkInput = SingleInput(_network, networkPath);
    }

    /// <summary>The DnnImageModels folder next to the running application.</summary>
    public static string DefaultModelDirectory => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    public string Name => ExtractorName;

    public int FeatureDim => Dim;

    public bool HasLogits => false;

    public (torch.Tensor Features, torch.Tensor? Logits) Extract(torch.Tensor imagesUint8)
    {
        ArgumentNullException.ThrowIfNull(imagesUint8);
        if (imagesUint8.dtype != torch.uint8 || imagesUint8.dim() != 4 || imagesUint8.shape[1] != 3)
        {
            throw new ArgumentException($"The ResNet-18 extractor needs uint8 RGB images [B, 3, H, W], but got {imagesUint8.dtype} [{string.Join(", ", imagesUint8.shape)}]; convert grayscale images to 3 channels first.", nameof(imagesUint8));
        }

        var batch = (int)imagesUint8.shape[0];
        float[] pixels;
        using (var scope = torch.NewDisposeScope())
        {
            var x = imagesUint8.cpu().to(torch.float32);
            var shrinking = x.shape[2] > InputSize || x.shape[3] > InputSize;
            var resized = torch.nn.functional.interpolate(
                x,
                size: [InputSize, InputSize],
                mode: torch.InterpolationMode.Bilinear,
                align_corners: false,
                antialias: shrinking);
            pixels = resized.clamp(0.0, 255.0).contiguous().data<float>().ToArray();
        }

        const int imageLength = 3 * InputSize * InputSize;
        var features = new float[batch * Dim];
        int[] inputShape = [1, 3, InputSize, InputSize];
        for (var i = 0; i < batch; i++)
        {
            var image = new DenseTensor<float>(pixels.AsMemory(i * imageLength, imageLength), inputShape);
            using var prepared = _preprocess.Run([NamedOnnxValue.CreateFromTensor(_preprocessInput, image)]);
            var preparedTensor = prepared[0].AsTensor<float>();
            using var output = _network.Run([NamedOnnxValue.CreateFromTensor(_networkInput, preparedTensor)]);
            var pooled = output[0].AsTensor<float>();
            if (pooled.Length != Dim)
            {
                throw new InvalidDataException($"The ResNet-18 ONNX model returned {pooled.Length} values instead of {Dim}; restore the original Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 package.");
            }

            var j = 0;
            foreach (var value in pooled)
            {
                features[(i * Dim) + j++] = value;
            }
        }

        return (torch.tensor(features, [batch, Dim], torch.float32), null);
    }

    public void Dispose()
    {
        _network.Dispose();
        _preprocess.Dispose();
    }

    private static string SingleInput(InferenceSession session, string path)
    {
        var input = session.InputMetadata.Single();
        if (!input.Value.Dimensions.SequenceEqual([1, 3, InputSize, InputSize]))
        {
            throw new InvalidDataException($"'{path}' expects input [{string.Join(", ", input.Value.Dimensions)}] instead of [1, 3, {InputSize}, {InputSize}]; restore the original Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 package.");
        }

        return input.Key;
    }
}
