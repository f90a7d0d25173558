using SharpDiffusion.Evaluation.Inception;
using TorchSharp;

namespace SharpDiffusion.Evaluation;

/// <summary>
/// The one place an extractor is chosen by name: <c>resnet18</c> (ImageNet ResNet-18 ONNX, offline),
/// <c>inception</c> (pytorch-fid InceptionV3, needs the user's weights file), <c>torchscript:FILE</c>.
/// </summary>
public static class FeatureExtractors
{
    /// <summary>Environment variable naming the pytorch-fid weights file when <c>--inception-weights</c> is not given.</summary>
    public const string InceptionWeightsVariable = "SHARPDIFFUSION_INCEPTION_WEIGHTS";

    public const string TorchScriptPrefix = "torchscript:";

    /// <summary>Inception when its weights are available (FID proper), otherwise the offline ResNet-18 (FD-ResNet18).</summary>
    public static string DefaultSpec(string? inceptionWeights) =>
        string.IsNullOrWhiteSpace(inceptionWeights) ? ResNet18OnnxExtractor.ExtractorName : InceptionFidExtractor.ExtractorName;

    /// <summary>
    /// Builds the extractor named by <paramref name="spec"/>. <paramref name="inceptionWeights"/> is the pytorch-fid
    /// .pth (used by "inception" only, as is <paramref name="inceptionLogits"/>); <paramref name="device"/> is where
    /// TorchSharp networks run (ONNX runs on the CPU).
    /// </summary>
    public static IFeatureExtractor Create(string spec, string? inceptionWeights, torch.Device device, InceptionLogits inceptionLogits = InceptionLogits.Unbiased)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        ArgumentNullException.ThrowIfNull(device);
        var trimmed = spec.Trim();
        if (trimmed.StartsWith(TorchScriptPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var file = trimmed[TorchScriptPrefix.Length..];
            if (file.Length == 0)
            {
                throw new EvaluationException("--extractor torchscript: needs a file, e.g. --extractor torchscript:inception.pt.");
            }

            return new TorchScriptExtractor(file, device);
        }

        return trimmed.ToLowerInvariant() switch
        {
            ResNet18OnnxExtractor.ExtractorName => new ResNet18OnnxExtractor(),
            InceptionFidExtractor.ExtractorName => InceptionFidExtractor.Load(
                string.IsNullOrWhiteSpace(inceptionWeights)
                    ? throw new EvaluationException($"The inception extractor needs the pytorch-fid weights file {InceptionFidWeights.FileName}: download it from the pytorch-fid GitHub release (github.com/mseitzer/pytorch-fid/releases, tag fid_weights) and pass it with --inception-weights FILE or the {InceptionWeightsVariable} environment variable.")
                    : inceptionWeights,
                device,
                inceptionLogits),
            _ => throw new EvaluationException($"Unknown feature extractor '{spec}'; use resnet18, inception or torchscript:FILE."),
        };
    }

    /// <summary>What a Fréchet distance in this extractor's space is called: FID only for the standard Inception.</summary>
    public static string FrechetLabel(string extractorName) => extractorName switch
    {
        InceptionFidExtractor.ExtractorName => "FID",
        ResNet18OnnxExtractor.ExtractorName => "FD-ResNet18",
        _ => $"FD ({extractorName})",
    };
}
