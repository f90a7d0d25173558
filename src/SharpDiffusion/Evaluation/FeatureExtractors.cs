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
    /// Refuses what <see cref="Create"/> would refuse before loading anything: an unknown name, a TorchScript file or an
    /// Inception weights file that is not given or does not exist. <c>ddpm sweep --eval</c> calls it before the runs train.
    /// </summary>
    public static void ThrowIfUnavailable(string spec, string? inceptionWeights)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        switch (Kind(spec))
        {
            case TorchScriptPrefix:
                TorchScriptExtractor.ThrowIfMissing(TorchScriptFile(spec));
                break;
            case InceptionFidExtractor.ExtractorName:
                InceptionFidWeights.ThrowIfMissing(string.IsNullOrWhiteSpace(inceptionWeights)
                    ? throw new EvaluationException($"The inception extractor needs the pytorch-fid weights file {InceptionFidWeights.FileName}: download it from the pytorch-fid GitHub release (github.com/mseitzer/pytorch-fid/releases, tag fid_weights) and pass it with --inception-weights FILE or the {InceptionWeightsVariable} environment variable.")
                    : inceptionWeights);
                break;
            case ResNet18OnnxExtractor.ExtractorName:
                break;
            default:
                throw new EvaluationException($"Unknown feature extractor '{spec}'; use resnet18, inception or torchscript:FILE.");
        }
    }

    /// <summary>
    /// Builds the extractor named by <paramref name="spec"/>. <paramref name="inceptionWeights"/> is the pytorch-fid
    /// .pth (used by "inception" only, as is <paramref name="inceptionLogits"/>); <paramref name="device"/> is where
    /// TorchSharp networks run (ONNX runs on the CPU).
    /// </summary>
    public static IFeatureExtractor Create(string spec, string? inceptionWeights, torch.Device device, InceptionLogits inceptionLogits = InceptionLogits.Unbiased)
    {
        ArgumentNullException.ThrowIfNull(device);
        ThrowIfUnavailable(spec, inceptionWeights);
        return Kind(spec) switch
        {
            TorchScriptPrefix => new TorchScriptExtractor(TorchScriptFile(spec), device),
            ResNet18OnnxExtractor.ExtractorName => new ResNet18OnnxExtractor(),
            _ => InceptionFidExtractor.Load(inceptionWeights!, device, inceptionLogits),
        };
    }

    /// <summary><see cref="TorchScriptPrefix"/> for a TorchScript file, else the extractor's lower-case name.</summary>
    private static string Kind(string spec)
    {
        var trimmed = spec.Trim();
        return trimmed.StartsWith(TorchScriptPrefix, StringComparison.OrdinalIgnoreCase) ? TorchScriptPrefix : trimmed.ToLowerInvariant();
    }

    private static string TorchScriptFile(string spec)
    {
        var file = spec.Trim()[TorchScriptPrefix.Length..];
        return file.Length > 0 ? file : throw new EvaluationException("--extractor torchscript: needs a file, e.g. --extractor torchscript:inception.pt.");
    }

    /// <summary>What a Fréchet distance in this extractor's space is called: FID only for the standard Inception.</summary>
    public static string FrechetLabel(string extractorName) => extractorName switch
    {
        InceptionFidExtractor.ExtractorName => "FID",
        ResNet18OnnxExtractor.ExtractorName => "FD-ResNet18",
        _ => $"FD ({extractorName})",
    };
}
