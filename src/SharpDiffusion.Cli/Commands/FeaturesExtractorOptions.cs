using System.CommandLine;
using SharpDiffusion.Evaluation;
using SharpDiffusion.Evaluation.Inception;
using static TorchSharp.torch;

namespace SharpDiffusion.Cli.Commands;

/// <summary>The extractor options shared by <c>features</c>, <c>fid</c> and <c>eval</c>.</summary>
/// <param name="help">Put before each description (<c>ddpm sweep</c>: "With --eval. ").</param>
internal sealed class FeaturesExtractorOptions(string help = "")
{
    public Option<string?> Extractor { get; } = new("--extractor")
    {
        HelpName = "resnet18|inception|torchscript:FILE",
        Description = help + $"Feature network. Default: inception when its weights are given (--inception-weights or {FeatureExtractors.InceptionWeightsVariable}), otherwise resnet18 (offline ImageNet ResNet-18; its Fréchet distance is reported as FD-ResNet18, not FID).",
    };

    public Option<string?> InceptionWeights { get; } = new("--inception-weights")
    {
        HelpName = "FILE",
        Description = help + $"pytorch-fid's {SharpDiffusion.Evaluation.Inception.InceptionFidExtractor.WeightsFileName} (from the pytorch-fid GitHub release). Default: ${FeatureExtractors.InceptionWeightsVariable}.",
    };

    /// <summary>Only for the commands that produce logits (features, eval); fid has no use for it.</summary>
    public Option<string?> IsLogits { get; } = new("--is-logits")
    {
        HelpName = "unbiased|biased",
        Description = "Inception extractor only: the logits of IS, unbiased (without the fc bias, as torch-fidelity and torchmetrics; the default) or biased.",
    };

    public IEnumerable<Option> All => [Extractor, InceptionWeights];

    public static string? WeightsOrEnvironment(string? weights) =>
        !string.IsNullOrWhiteSpace(weights) ? weights : Environment.GetEnvironmentVariable(FeatureExtractors.InceptionWeightsVariable) is { Length: > 0 } env ? env : null;

    public static string Spec(string? extractor, string? weights) => extractor ?? FeatureExtractors.DefaultSpec(weights);

    /// <summary>The extractor; <paramref name="isLogits"/> (null: unbiased) is refused for extractors other than the Inception rather than ignored.</summary>
    public static IFeatureExtractor Create(string spec, string? weights, Device device, string? isLogits = null)
    {
        var logits = isLogits is null ? InceptionLogits.Unbiased : InceptionLogitsKinds.Parse(isLogits);
        if (isLogits is not null && !string.Equals(spec.Trim(), InceptionFidExtractor.ExtractorName, StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"--is-logits chooses the Inception's logits, but the extractor is {spec}; drop --is-logits or use --extractor inception.");
        return FeatureExtractors.Create(spec, weights, device, logits);
    }
}
