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
/// interpolation (antialiased when shrinking).
/// </para>
/// <para>
/// Speed: both graphs are exported with a fixed batch of 1; their batch dimension is made symbolic at load time
/// (<see cref="OnnxBatchDimension"/>) so that images run <see cref="ImagesPerRun"/> at a time, and ONNX Runtime's
/// worker threads sleep instead of spin-waiting between operators, which halved the time per image on the shared
/// 2-core machine (docs/BENCHMARKS.md, "Feature extraction"). The features equal the per-image run of the
/// unmodified files (tested).
/// </para>
/// </summary>
public sealed class ResNet18OnnxExtractor : IFeatureExtractor
{
    public const string ExtractorName = "resnet18";
    public const int InputSize = 224;
    private const int Dim = 512;

    /// <summary>Images per ONNX Runtime call. On the 2-core machine, calls of 8 images were at least as fast per image
    /// as calls of 32 (its convolutions gain little from larger batches), and they hold fewer activations.</summary>
    internal const int ImagesPerRun = 8;

    internal const string NetworkFile = "ResNet18Onnx/ResNet18.onnx";
    internal const string PreprocessFile = "ResNetPrepOnnx/ResNetPreprocess.onnx";
    private const string NetworkInput = "Input247";
    private const string NetworkOutput = "Pooling395_Output_0";
    private const string PreprocessInput = "OriginalInput";
    private const string PreprocessOutput = "PreprocessedInput";

    // held Scalars: see Scaled
    private static readonly Scalar PixelMin = 0.0.ToScalar();
    private static readonly Scalar PixelMax = 255.0.ToScalar();

    private readonly InferenceSession _preprocess;
    private readonly InferenceSession _network;

    /// <param name="modelDirectory">The folder holding ResNet18Onnx/ and ResNetPrepOnnx/; by default the DnnImageModels
    /// folder that the build copies next to the application.</param>
    public ResNet18OnnxExtractor(string? modelDirectory = null)
    {
        var directory = modelDirectory ?? DefaultModelDirectory;
        var networkPath = Path.Combine(directory, NetworkFile);
        var preprocessPath = Path.Combine(directory, PreprocessFile);
        foreach (var path in new[] { networkPath, preprocessPath })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"The ResNet-18 ONNX model file '{path}' is missing; restore the NuGet package Microsoft.ML.DnnImageFeaturizer.ResNet18 and rebuild so that DnnImageModels/ is copied next to the application.", path);
            }
        }

        using var options = SessionOptions();
        _preprocess = BatchedSession(preprocessPath, PreprocessInput, PreprocessOutput, options);
        try
        {
            _network = BatchedSession(networkPath, NetworkInput, NetworkOutput, options);
        }
        catch
        {
            _preprocess.Dispose();
            throw;
        }
    }

    /// <summary>The DnnImageModels folder next to the running application.</summary>
    public static string DefaultModelDirectory => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    public string Name => ExtractorName;

    public int FeatureDim => Dim;

    public bool HasLogits => false;

    public string? LogitsKind => null;

    public (torch.Tensor Features, torch.Tensor? Logits) Extract(torch.Tensor imagesUint8)
    {
        ArgumentNullException.ThrowIfNull(imagesUint8);
        if (imagesUint8.dtype != torch.uint8 || imagesUint8.dim() != 4 || imagesUint8.shape[1] != 3)
        {
            throw new ArgumentException($"The ResNet-18 extractor needs uint8 RGB images [B, 3, H, W], but got {imagesUint8.dtype} [{string.Join(", ", imagesUint8.shape)}]; convert grayscale images to 3 channels first.", nameof(imagesUint8));
        }

        var batch = (int)imagesUint8.shape[0];
        var pixels = ResizedPixels(imagesUint8);
        const int imageLength = 3 * InputSize * InputSize;
        var features = new float[batch * Dim];
        for (var first = 0; first < batch; first += ImagesPerRun)
        {
            var count = Math.Min(ImagesPerRun, batch - first);
            var images = new DenseTensor<float>(pixels.AsMemory(first * imageLength, count * imageLength), [count, 3, InputSize, InputSize]);
            using var prepared = _preprocess.Run([NamedOnnxValue.CreateFromTensor(PreprocessInput, images)]);
            var preparedTensor = prepared[0].AsTensor<float>();
            using var output = _network.Run([NamedOnnxValue.CreateFromTensor(NetworkInput, preparedTensor)]);
            var pooled = output[0].AsTensor<float>();
            if (pooled.Length != count * Dim)
            {
                throw new InvalidDataException($"The ResNet-18 ONNX model returned {pooled.Length / count} values per image instead of {Dim}; restore the original Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 package.");
            }

            var j = first * Dim;
            foreach (var value in pooled)
            {
                features[j++] = value;
            }
        }

        return (torch.tensor(features, [batch, Dim], torch.float32), null);
    }

    public void Dispose()
    {
        _network.Dispose();
        _preprocess.Dispose();
    }

    /// <summary>
    /// The network's input: RGB float pixels in 0–255 at 224×224, [B, 3, 224, 224] flattened. The bilinear resize
    /// is antialiased when shrinking.
    /// </summary>
    internal static float[] ResizedPixels(torch.Tensor imagesUint8)
    {
        using var scope = torch.NewDisposeScope();
        var x = imagesUint8.cpu().to(torch.float32);
        var shrinking = x.shape[2] > InputSize || x.shape[3] > InputSize;
        var resized = torch.nn.functional.interpolate(
            x,
            size: [InputSize, InputSize],
            mode: torch.InterpolationMode.Bilinear,
            align_corners: false,
            antialias: shrinking);
        return resized.clamp(PixelMin, PixelMax).contiguous().data<float>().ToArray();
    }

    /// <summary>
    /// Worker threads: as many as TorchSharp uses (so OMP_NUM_THREADS limits both), and they sleep between operators:
    /// spin-waiting made each image about twice as slow whenever other processes shared the cores.
    /// </summary>
    private static SessionOptions SessionOptions()
    {
        var options = new SessionOptions { IntraOpNumThreads = Math.Max(1, torch.get_num_threads()) };
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    /// <summary>
    /// Opens one of the package's graphs with the batch dimension of its input and output made symbolic. The tensor
    /// names are those of the 0.23.1 package's files.
    /// </summary>
    private static InferenceSession BatchedSession(string path, string inputName, string outputName, SessionOptions options)
    {
        const string restore = "restore the original Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 package";
        byte[] model;
        try
        {
            model = OnnxBatchDimension.MakeSymbolic(File.ReadAllBytes(path), [inputName, outputName]);
        }
        catch (InvalidDataException error)
        {
            throw new InvalidDataException($"'{path}' is not the expected model ({error.Message}); {restore}.", error);
        }

        var session = new InferenceSession(model, options);
        var input = session.InputMetadata.Single();
        if (input.Key != inputName || !input.Value.Dimensions.SequenceEqual([-1, 3, InputSize, InputSize]) || session.OutputMetadata.Count != 1)
        {
            session.Dispose();
            throw new InvalidDataException($"'{path}' expects input [{string.Join(", ", input.Value.Dimensions)}] instead of [batch, 3, {InputSize}, {InputSize}]; {restore}.");
        }

        return session;
    }
}
